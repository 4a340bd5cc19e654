package circuit

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHardwareDefaults(t *testing.T) {
	var hw *Hardware
	require.NoError(t, hw.Validate())
	r := hw.Resolved()
	assert.Equal(t, 1e3, r.R)
	assert.Equal(t, 1e-9, r.C)
	assert.InDelta(t, 1e-6, hw.Tau(), 1e-21)
	assert.Equal(t, 1e-3, r.Arrays.GMax)
	assert.Equal(t, 50e9, r.Link.Bandwidth)
	assert.Equal(t, 16, r.Link.WordBits)
	assert.Equal(t, ScaleFit, r.Scaling.Mode)
	assert.Equal(t, 1.0, r.Scaling.TimeScale)
	// G_max follows R when only R is set.
	assert.Equal(t, 1e-4, (&Hardware{R: 1e4}).Resolved().Arrays.GMax)
}

func TestHardwareValidate(t *testing.T) {
	tests := []struct {
		name  string
		hw    Hardware
		field string
	}{
		{"negative R", Hardware{R: -1}, "r"},
		{"NaN C", Hardware{C: nan()}, "c"},
		{"gmin above gmax", Hardware{Arrays: ArraySpec{GMin: 2e-3}}, "arrays.g_min"},
		{"array bits", Hardware{Arrays: ArraySpec{Bits: 53}}, "arrays.bits"},
		{"stuck sum", Hardware{Arrays: ArraySpec{StuckAtMin: 0.6, StuckAtMax: 0.6}}, "arrays.stuck_at_max"},
		{"negative programming error", Hardware{Arrays: ArraySpec{ProgrammingError: -0.1}}, "arrays.programming_error"},
		{"one-bit dac", Hardware{DAC: DAC{Bits: 1, FullScale: 1}}, "dac.bits"},
		{"adc bits without range", Hardware{ADC: ADC{Bits: 8}}, "adc.full_scale"},
		{"opamp gain", Hardware{CellOpAmp: OpAmp{Gain: -3}}, "cell_opamp.gain"},
		{"stage rail", Hardware{StageOpAmp: OpAmp{Rail: -1}}, "stage_opamp.rail"},
		{"both noises", Hardware{Noise: NoiseSpec{Kappa0: 1e-3, InjectedPSD: 1e-20}}, "noise.kappa0"},
		{"scaling mode", Hardware{Scaling: Scaling{Mode: "fast"}}, "scaling.mode"},
		{"headroom", Hardware{Scaling: Scaling{Headroom: 2}}, "scaling.headroom"},
		{"word bits", Hardware{Link: Link{WordBits: -1}}, "link.word_bits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.hw.Validate()
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalidHardware))
			var fe *FieldError
			require.True(t, errors.As(err, &fe))
			assert.Equal(t, tc.field, fe.Field)
			assert.Contains(t, err.Error(), tc.field)
		})
	}
	ok := Hardware{Arrays: ArraySpec{Bits: 8, GMin: 1e-6, StuckAtMin: 0.01}, ADC: ADC{Bits: 12, FullScale: 1}, Scaling: Scaling{Mode: "FULL"}}
	assert.NoError(t, ok.Validate())
}

func TestDecodeHardware(t *testing.T) {
	good := `
r = 2e3            # ohms
c = 1e-9
[arrays]
bits = 8
programming_error = 0.01
[cell_opamp]
gain = 1e4
[noise]
temperature = 300
kappa0 = 1e-3
[scaling]
mode = "fixed"
`
	hw, err := DecodeHardware(strings.NewReader(good), "hw.toml")
	require.NoError(t, err)
	assert.Equal(t, 2e3, hw.R)
	assert.Equal(t, 8, hw.Arrays.Bits)
	assert.Equal(t, 1e4, hw.CellOpAmp.Gain)
	assert.Equal(t, 300.0, hw.Noise.Temperature)
	assert.Equal(t, "fixed", hw.Scaling.Mode)

	bad := []struct {
		name, src, want string
	}{
		{"unknown key", "r = 1e3\n[arrays]\nbitz = 8\n", `hw.toml:3: unknown key "arrays.bitz"`},
		{"unknown table", "[dacs]\nbits = 8\n", `hw.toml:1: unknown key "dacs"`},
		{"syntax", "r = = 3\n", "hw.toml:1:"},
		{"type", "[arrays]\nbits = \"eight\"\n", "hw.toml"},
		{"invalid value", "[arrays]\ng_min = 5e-3\n", "hw.toml:2: circuit: invalid hardware description: arrays.g_min"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeHardware(strings.NewReader(tc.src), "hw.toml")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
