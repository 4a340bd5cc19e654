package netlist

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseValue(t *testing.T) {
	tests := []struct {
		in   string
		want float64
	}{
		{"1", 1},
		{"-44", -44},
		{"+3.5", 3.5},
		{".5", 0.5},
		{"5.", 5},
		{"3.14159", 3.14159},
		{"1e-14", 1e-14},
		{"2.65E3", 2650},
		{"1e+3", 1000},
		{"1k", 1e3},
		{"1K", 1e3},
		{"1kohm", 1e3},
		{"4.7kOhm", 4700},
		{"10uF", 1e-5},
		{"10u", 10e-6}, // exactly the decimal 10e-6, not 10*1e-6
		{"1MEG", 1e6},
		{"1meg", 1e6},
		{"2.2Megohm", 2.2e6},
		{"1m", 1e-3},
		{"1M", 1e-3}, // SPICE: M is milli
		{"1mil", 25.4e-6},
		{"1n", 1e-9},
		{"1nF", 1e-9},
		{"1p", 1e-12},
		{"1f", 1e-15},
		{"1F", 1e-15}, // SPICE: F is femto, not farad
		{"1g", 1e9},
		{"1t", 1e12},
		{"10V", 10},
		{"10volts", 10},
		{"1e", 1},     // e without digits is a unit letter
		{"1ex", 1},    // likewise
		{"1e3k", 1e6}, // exponent and suffix add up
		{"1e-400", 0}, // underflow is zero
		{"0", 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseValue(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got) // exact: the decimal is rounded once
		})
	}
}

func TestParseValueErrors(t *testing.T) {
	for _, in := range []string{"", "-", ".", "k", "e3", "abc", "1k5", "1.2.3", "1e400", "1e99999999999999999999", "1+", "nan", "inf", "1 k", "--1"} {
		t.Run(in, func(t *testing.T) {
			_, err := ParseValue(in)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrValue), "%v", err)
		})
	}
}

func TestFormatValueRoundTrip(t *testing.T) {
	for _, v := range []float64{0, 1, -1, 1e-9, 1.0 / 3, math.Pi * 1e-12, 1e300, -2.5e-308, 0.1 + 0.2, 123456789012345678} {
		s := FormatValue(v)
		got, err := ParseValue(s)
		require.NoError(t, err, s)
		assert.Equal(t, v, got, s)
	}
}
