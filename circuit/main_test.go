package circuit

import (
	"os"
	"runtime"
	"testing"

	"github.com/tngd/tngd/internal/gemm"
)

// TestMain runs the package's tests with at least two Ps and starts
// gemm's row-dot pool (GOMAXPROCS − 1 workers, sized at first use) before
// any test can lower GOMAXPROCS, so that the pool has a worker and the
// tests of work splitting split the work on a single-CPU machine too.
func TestMain(m *testing.M) {
	if runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
	// A product of 2¹⁶ entries in two groups of rows: RowDots splits it.
	const rows, cols = 8, 1 << 13
	gemm.RowDotsTo([][]float64{make([]float64, rows)}, make([]float64, rows*cols), cols, rows, cols, [][]float64{make([]float64, cols)})
	os.Exit(m.Run())
}
