//go:build !amd64

package nn

var useConvAsm = false

func convTile4x8(y *float64, ys int, w *float64, ckk int, src *float64, off *int, k int, b *float64) {
	panic("nn: convTile4x8 without assembly")
}

func maxShift(dst, src *float64, n, step, k int) {
	panic("nn: maxShift without assembly")
}

func gradRows(dst *float64, ckk int, pt *float64, js *int, ds *float64, n int) {
	panic("nn: gradRows without assembly")
}
