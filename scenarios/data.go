package scenarios

import (
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/tngd/tngd/nn"
)

// mnistCache shares loaded MNIST subsets between the jobs of a process:
// data sets are read-only once loaded.
var mnistCache = struct {
	sync.Mutex
	sets map[string]*loadedData
}{sets: map[string]*loadedData{}}

type loadedData struct {
	once        sync.Once
	train, test *nn.Dataset
	err         error
}

// loadMNIST returns the subsets of cfg, reading the files once per process.
func loadMNIST(cfg nn.MNIST) (train, test *nn.Dataset, err error) {
	key := fmt.Sprintf("%+v", cfg)
	mnistCache.Lock()
	d, ok := mnistCache.sets[key]
	if !ok {
		d = &loadedData{}
		mnistCache.sets[key] = d
	}
	mnistCache.Unlock()
	d.once.Do(func() { d.train, d.test, d.err = cfg.Load() })
	return d.train, d.test, d.err
}

// taskData returns the training and test sets of a task; the synthetic
// task draws them from rng.
func taskData(t *Task, rng *rand.Rand) (train, test *nn.Dataset, err error) {
	switch t.Dataset {
	case "", "mnist":
		return loadMNIST(t.MNIST)
	case "teacher-student":
		train, test = t.TeacherStudent.Generate(rng)
		return train, test, nil
	}
	return nil, nil, fmt.Errorf("scenarios: unknown dataset %q", t.Dataset)
}

// seeds are the child random streams of one job, drawn from its master
// seed in this fixed order. They do not depend on the optimizer, so every
// optimizer of a seed starts from the same weights, sees the same batches
// and, on the same hardware, the same chip.
type seeds struct {
	data, init, shuffle, device, pretrain *rand.Rand
}

func deriveSeeds(master uint64) seeds {
	m := rand.New(rand.NewPCG(master, 0x746e6764)) // "tngd"
	child := func() *rand.Rand { return rand.New(rand.NewPCG(m.Uint64(), m.Uint64())) }
	var s seeds
	s.data = child()
	s.init = child()
	s.shuffle = child()
	s.device = child()
	s.pretrain = child()
	return s
}
