package scenarios

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files and docs/scenario.md")

// loadAndExpand loads a scenario file and expands its jobs, as tngd
// validate does; the error is the first of either.
func loadAndExpand(path string) ([]Job, error) {
	s, err := Load(path)
	if err != nil {
		return nil, err
	}
	return s.Jobs()
}

// TestShippedScenariosValidate loads every scenario shipped in this
// directory and expands its sweep.
func TestShippedScenariosValidate(t *testing.T) {
	files, err := filepath.Glob("*.toml")
	require.NoError(t, err)
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			jobs, err := loadAndExpand(f)
			require.NoError(t, err)
			assert.NotEmpty(t, jobs)
		})
	}
}

// TestBadScenarios loads each file of testdata/bad and compares its error
// with the golden testdata/bad/NAME.golden (rewritten by -update). Every
// error matches ErrInvalid and names the file.
func TestBadScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.toml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			_, err := loadAndExpand(f)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalid)
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(f, ".toml") + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			assert.Equal(t, string(want), got)
		})
	}
}
