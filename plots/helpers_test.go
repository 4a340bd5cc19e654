package plots

import (
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	update   = flag.Bool("update", false, "rewrite the text and image goldens in testdata/")
	testSeed = flag.Uint64("seed", 0, "seed mixed into the random sources of randomized tests (0: the fixed defaults)")
)

// newRand returns the random source of a randomized test: a PCG seeded with
// stream and the -seed flag, which it logs when not the default.
func newRand(t *testing.T, stream uint64) *rand.Rand {
	t.Helper()
	if *testSeed != 0 {
		t.Logf("-seed=%d", *testSeed)
	}
	return rand.New(rand.NewPCG(*testSeed, stream))
}

// checkGolden compares got with testdata/name, rewriting the file under
// -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden; run go test -update")
	assert.Equal(t, string(want), got, "golden %s differs; review and run go test -update", path)
}
