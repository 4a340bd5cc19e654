package nn

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Evaluation runs the forward pass only, over many samples: the layers
// that can (convolutions and pooling) skip the caches that the backward
// products need, and the chunks of a data set are spread over the cores.
// The results do not depend on the number of workers: the chunks are
// fixed (EvalBatch samples each, in data order), each chunk's loss sum and
// count of correct samples is stored by chunk index, and the sums are
// reduced in chunk order, as a single worker does.

// newEvalPass returns a Pass for inferForward only (no caches for the
// layers with a cache-free forward pass).
func newEvalPass(m *Model, loss Loss, maxBatch int) *Pass {
	return newPass(m, loss, maxBatch, true)
}

// inferForward is Forward through the cache-free forward passes: the
// outputs and the loss are the same (bit for bit), but the Pass serves no
// backward products until the next Forward. Only the outputs are kept:
// the other activations of each sample go through two scratch buffers
// (p.bufs), which stay in the cache from one layer to the next.
func (p *Pass) inferForward(theta, x, y []float64) float64 {
	b := p.setBatch(theta, x, y)
	L := len(p.m.layers)
	for s := range b {
		in := p.act(0, s)
		for l, lay := range p.m.layers {
			out := p.act(L, s)
			if l < L-1 {
				out = p.bufs[l%2][:lay.out().Size()]
			}
			if il := p.infer[l]; il != nil {
				il.infer(out, in, p.params(l), p.tmp)
			} else {
				lay.forward(out, in, p.params(l), p.cache(l, s))
			}
			in = out
		}
	}
	p.noCache = true
	return p.evalLoss()
}

// evaluatePass returns the mean loss and the accuracy (NaN without labels)
// at theta on the first n samples of d (all if n ≤ 0 or n > Len), in chunks
// of p's batch capacity, on GOMAXPROCS workers.
func evaluatePass(p *Pass, theta []float64, d *Dataset, n int) (float64, float64) {
	return evaluateWorkers(p, theta, d, n, runtime.GOMAXPROCS(0))
}

// evaluateWorkers is evaluatePass on at most workers goroutines (p and
// helper Passes kept in p.helpers for the next call). The result is the
// same for any number of workers.
func evaluateWorkers(p *Pass, theta []float64, d *Dataset, n, workers int) (float64, float64) {
	if n <= 0 || n > d.Len() {
		n = d.Len()
	}
	in, out := d.In.Size(), d.OutSize
	chunks := (n + p.maxB - 1) / p.maxB
	workers = max(1, min(workers, chunks))
	for len(p.helpers) < workers-1 {
		p.helpers = append(p.helpers, newEvalPass(p.m, p.loss, p.maxB))
	}
	lossSums := make([]float64, chunks)
	corrects := make([]int, chunks)
	var next atomic.Int64
	work := func(q *Pass) {
		for {
			i := int(next.Add(1) - 1)
			if i >= chunks {
				return
			}
			lo, hi := i*q.maxB, min((i+1)*q.maxB, n)
			l := q.inferForward(theta, d.X[lo*in:hi*in], d.Y[lo*out:hi*out])
			lossSums[i] = l * float64(hi-lo)
			if d.Labels != nil {
				z := q.Outputs()
				c := 0
				for s := range hi - lo {
					if argmax(z[s*out:(s+1)*out]) == d.Labels[lo+s] {
						c++
					}
				}
				corrects[i] = c
			}
		}
	}
	if workers == 1 {
		work(p)
	} else {
		var wg sync.WaitGroup
		for _, q := range p.helpers[:workers-1] {
			wg.Go(func() { work(q) })
		}
		work(p)
		wg.Wait()
	}
	lossSum, correct := 0.0, 0
	for i := range chunks {
		lossSum += lossSums[i]
		correct += corrects[i]
	}
	acc := math.NaN()
	if d.Labels != nil {
		acc = float64(correct) / float64(n)
	}
	return lossSum / float64(n), acc
}
