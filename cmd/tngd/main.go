// Command tngd simulates thermodynamic natural-gradient hardware; see doc.go.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/tngd/tngd/internal/gemm"
	"gonum.org/v1/gonum/blas/blas64"
)

// gonum's mat and lapack packages compute their large matrix products
// (Dgemm, Dsyrk, Dsyr2k) and symmetric matrix–vector products (Dsymv) with
// the kernels of internal/gemm instead of gonum's reference loops:
// Cholesky, Hessenberg and tridiagonal reductions of the SPU simulation,
// the Gram matrices of package nn, the digital solvers.
func init() { blas64.Use(gemm.BLAS{}) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode reports err on stderr and maps it to the process exit status:
// 0 for success, 2 for usage errors and bad input, 1 for other failures.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, errHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "tngd: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) {
		if ue.hint != "" {
			fmt.Fprintf(stderr, "%s\n", ue.hint)
		}
		return 2
	}
	return 1
}
