//go:build !amd64

package nn

var useConvAsm = false

func convTile4x8(y *float64, ys int, w *float64, ckk int, src *float64, off *int, k int) {
	panic("nn: convTile4x8 without assembly")
}

func maxShift(dst, src *float64, n, step, k int) {
	panic("nn: maxShift without assembly")
}
