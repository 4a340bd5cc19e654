package gemm

import (
	"os"
	"runtime"
	"testing"
)

// TestMain runs the package's tests with at least two Ps, so that the
// row-dot pool (GOMAXPROCS − 1 workers, started at first use) has a worker
// and the tests of work splitting split the work on a single-CPU machine
// too.
func TestMain(m *testing.M) {
	if runtime.GOMAXPROCS(0) < 2 {
		runtime.GOMAXPROCS(2)
	}
	os.Exit(m.Run())
}
