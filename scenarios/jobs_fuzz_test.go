package scenarios

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad feeds arbitrary documents (seeded with the shipped scenarios and
// the bad files) to the loader and the job enumeration: they must return
// an error or a scenario, never panic, and a loaded scenario's resolved
// TOML must load again to the same resolved TOML.
//
//	go test ./scenarios -run '^$' -fuzz FuzzLoad -fuzztime 1m
func FuzzLoad(f *testing.F) {
	for _, pattern := range []string{"*.toml", "testdata/*.toml", "testdata/bad/*.toml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			src, err := os.ReadFile(file)
			if err == nil {
				f.Add(src, "")
			}
		}
	}
	f.Add([]byte("[[optimizer]]\nkind = \"adam\"\n[sweep.params]\n\"optimizer.adam.lr\" = [0.1, \"x\"]\n"), "optimizer.0.lr=2")
	f.Add([]byte("[[optimizer]]\nkind = \"tngd\"\n"), "hardware.arrays=3")
	f.Fuzz(func(t *testing.T, src []byte, set string) {
		var sets []string
		if set != "" {
			sets = []string{set}
		}
		s, err := Parse("fuzz.toml", src, sets...)
		if err != nil {
			return
		}
		if _, _, _, err := s.Counts(); err != nil {
			return
		}
		points, _ := s.Sweep.Points()
		if len(points)*len(s.Seeds())*len(s.Optimizers) > 1000 {
			return // a huge but valid sweep: enumerating it proves nothing more
		}
		if _, err := s.Jobs(); err != nil {
			return
		}
		resolved := s.TOML()
		again, err := Parse("resolved.toml", resolved)
		if err != nil {
			t.Fatalf("the resolved scenario does not load: %v\n%s", err, resolved)
		}
		if got := again.TOML(); string(got) != string(resolved) {
			t.Fatalf("resolving twice differs:\n%s\n---\n%s", resolved, got)
		}
	})
}
