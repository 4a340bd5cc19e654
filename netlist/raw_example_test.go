package netlist_test

import (
	"bytes"
	"fmt"

	"github.com/tngd/tngd/netlist"
)

// A transient analysis written as a binary SPICE raw file and read back.
func ExampleRawWriter() {
	var file bytes.Buffer
	w, err := netlist.NewRawWriter(&file, "RC step", []string{"in", "out"}, 2)
	if err != nil {
		panic(err)
	}
	w.Point(0, []float64{1, 0})
	w.Point(1e-6, []float64{1, 0.632})
	if err := w.Flush(); err != nil {
		panic(err)
	}

	raw, err := netlist.ReadRaw(&file)
	if err != nil {
		panic(err)
	}
	fmt.Println(raw.Plotname, raw.Names)
	fmt.Println(raw.Data[0], raw.Data[2])
	// Output:
	// Transient Analysis [time v(in) v(out)]
	// [0 1e-06] [0 0.632]
}
