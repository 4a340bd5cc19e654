package plots

import "errors"

// Errors returned, wrapped with the figure, series and sample at fault, when
// the data given to a figure cannot be drawn. Test for them with errors.Is.
var (
	// ErrNoData: a figure, series, run or histogram without a finite sample.
	ErrNoData = errors.New("plots: no data")
	// ErrLength: slices that must have the same length do not.
	ErrLength = errors.New("plots: length mismatch")
	// ErrNotFinite: a NaN or infinite coordinate where one is required.
	ErrNotFinite = errors.New("plots: non-finite value")
	// ErrOrder: X values that must be strictly increasing are not.
	ErrOrder = errors.New("plots: X not strictly increasing")
	// ErrNoOverlap: runs to be averaged share no X range.
	ErrNoOverlap = errors.New("plots: runs do not overlap")
	// ErrNegative: a negative duration where only times ≥ 0 make sense.
	ErrNegative = errors.New("plots: negative value")
	// ErrLogScale: a forced logarithmic axis without a positive value.
	ErrLogScale = errors.New("plots: no positive value for a logarithmic axis")
)
