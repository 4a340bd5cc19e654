package plots

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/cmpimg"
	"gonum.org/v1/plot/vg"
)

// imageDelta is the per-pixel tolerance of the image goldens in cmpimg's
// normalized YIQ distance (0: identical, 1: anything). Rendering is
// deterministic on one platform; 0.05 absorbs the anti-aliasing differences
// that fused multiply-adds cause on other CPU architectures, while a moved
// line, a missing label or a changed colour still fails.
const imageDelta = 0.05

// TestImageGoldens compares a few small renderings, one per kind of drawing
// (lines with bands and a legend, a heat map with its colour bar, stacked
// bars with labels), with PNG goldens. The text goldens check the data;
// these check the drawing.
func TestImageGoldens(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
	}{
		{"curves", fixtureCurves()},
		{"heatmap", fixtureHeatmap()},
		{"timesplit_share", fixtureTimeSplit(SplitShare)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tt.spec.Figure()
			require.NoError(t, err)
			f.Width, f.Height = 10*vg.Centimeter, 6.5*vg.Centimeter
			var got bytes.Buffer
			require.NoError(t, f.Encode(&got, "png"))
			path := filepath.Join("testdata", tt.name+".png")
			if *update {
				require.NoError(t, os.WriteFile(path, got.Bytes(), 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "missing golden; run go test -update")
			ok, err := cmpimg.EqualApprox("png", got.Bytes(), want, imageDelta)
			require.NoError(t, err)
			if !ok {
				out := filepath.Join(t.TempDir(), tt.name+".png")
				require.NoError(t, os.WriteFile(out, got.Bytes(), 0o644))
				t.Errorf("%s differs from its golden beyond %g; rendering kept in %s", path, imageDelta, out)
			}
		})
	}
}
