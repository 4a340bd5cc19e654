//go:build amd64 && !purego

#include "textflag.h"

// HSUM(y, x, t) leaves in x's low lane the sum of y's four lanes (the
// lower half of y is x), with t as scratch.
#define HSUM(y, x, t) \
	VEXTRACTF128 $1, y, t; \
	VADDPD       t, x, x;  \
	VHADDPD      x, x, x

// func kernelAVX2(kc int, a, b *float64, tile *[48]float64)
// tile = Σ_t a[t·6 : t·6+6] ⊗ b[t·8 : t·8+8] (6×8, row-major), kc ≥ 1.
TEXT ·kernelAVX2(SB), NOSPLIT, $0-32
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ tile+24(FP), DX
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	VXORPD Y12, Y12, Y12
	VXORPD Y13, Y13, Y13
	VXORPD Y14, Y14, Y14
	VXORPD Y15, Y15, Y15

loop:
	VMOVUPD      (DI), Y0
	VMOVUPD      32(DI), Y1
	VBROADCASTSD (SI), Y2
	VBROADCASTSD 8(SI), Y3
	VFMADD231PD  Y0, Y2, Y4
	VFMADD231PD  Y1, Y2, Y5
	VFMADD231PD  Y0, Y3, Y6
	VFMADD231PD  Y1, Y3, Y7
	VBROADCASTSD 16(SI), Y2
	VBROADCASTSD 24(SI), Y3
	VFMADD231PD  Y0, Y2, Y8
	VFMADD231PD  Y1, Y2, Y9
	VFMADD231PD  Y0, Y3, Y10
	VFMADD231PD  Y1, Y3, Y11
	VBROADCASTSD 32(SI), Y2
	VBROADCASTSD 40(SI), Y3
	VFMADD231PD  Y0, Y2, Y12
	VFMADD231PD  Y1, Y2, Y13
	VFMADD231PD  Y0, Y3, Y14
	VFMADD231PD  Y1, Y3, Y15
	ADDQ         $48, SI
	ADDQ         $64, DI
	DECQ         CX
	JNZ          loop

	VMOVUPD Y4, (DX)
	VMOVUPD Y5, 32(DX)
	VMOVUPD Y6, 64(DX)
	VMOVUPD Y7, 96(DX)
	VMOVUPD Y8, 128(DX)
	VMOVUPD Y9, 160(DX)
	VMOVUPD Y10, 192(DX)
	VMOVUPD Y11, 224(DX)
	VMOVUPD Y12, 256(DX)
	VMOVUPD Y13, 288(DX)
	VMOVUPD Y14, 320(DX)
	VMOVUPD Y15, 352(DX)
	VZEROUPPER
	RET

// func dotAVX2(a, x *float64, n int) float64
TEXT ·dotAVX2(SB), NOSPLIT, $0-32
	MOVQ   a+0(FP), SI
	MOVQ   x+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	MOVQ   CX, BX
	SHRQ   $4, BX
	JZ     reduce

loop16:
	VMOVUPD     (SI), Y4
	VMOVUPD     32(SI), Y5
	VMOVUPD     64(SI), Y6
	VMOVUPD     96(SI), Y7
	VFMADD231PD (DI), Y4, Y0
	VFMADD231PD 32(DI), Y5, Y1
	VFMADD231PD 64(DI), Y6, Y2
	VFMADD231PD 96(DI), Y7, Y3
	ADDQ        $128, SI
	ADDQ        $128, DI
	DECQ        BX
	JNZ         loop16

reduce:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y2, Y0, Y0
	HSUM(Y0, X0, X1)
	ANDQ         $15, CX
	JZ           done

tail:
	VMOVSD      (SI), X1
	VFMADD231SD (DI), X1, X0
	ADDQ        $8, SI
	ADDQ        $8, DI
	DECQ        CX
	JNZ         tail

done:
	VZEROUPPER
	MOVSD X0, ret+24(FP)
	RET

// func dot2AVX2(a, x, y *float64, n int) (s, t float64)
TEXT ·dot2AVX2(SB), NOSPLIT, $0-48
	MOVQ   a+0(FP), SI
	MOVQ   x+8(FP), DI
	MOVQ   y+16(FP), R8
	MOVQ   n+24(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	MOVQ   CX, BX
	SHRQ   $3, BX
	JZ     reduce2

loop8:
	VMOVUPD     (SI), Y4
	VMOVUPD     32(SI), Y5
	VFMADD231PD (DI), Y4, Y0
	VFMADD231PD 32(DI), Y5, Y1
	VFMADD231PD (R8), Y4, Y2
	VFMADD231PD 32(R8), Y5, Y3
	ADDQ        $64, SI
	ADDQ        $64, DI
	ADDQ        $64, R8
	DECQ        BX
	JNZ         loop8

reduce2:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	HSUM(Y0, X0, X1)
	HSUM(Y2, X2, X3)
	ANDQ         $7, CX
	JZ           done2

tail2:
	VMOVSD      (SI), X1
	VFMADD231SD (DI), X1, X0
	VFMADD231SD (R8), X1, X2
	ADDQ        $8, SI
	ADDQ        $8, DI
	ADDQ        $8, R8
	DECQ        CX
	JNZ         tail2

done2:
	VZEROUPPER
	MOVSD X0, s+32(FP)
	MOVSD X2, t+40(FP)
	RET

// func axpyAVX2(a float64, x, y *float64, n int)
// y[i] += a·x[i], i < n.
TEXT ·axpyAVX2(SB), NOSPLIT, $0-32
	VBROADCASTSD a+0(FP), Y0
	MOVQ         x+8(FP), SI
	MOVQ         y+16(FP), DI
	MOVQ         n+24(FP), CX
	MOVQ         CX, BX
	SHRQ         $3, BX
	JZ           axpytail

axpyloop8:
	VMOVUPD     (DI), Y1
	VMOVUPD     32(DI), Y2
	VFMADD231PD (SI), Y0, Y1
	VFMADD231PD 32(SI), Y0, Y2
	VMOVUPD     Y1, (DI)
	VMOVUPD     Y2, 32(DI)
	ADDQ        $64, SI
	ADDQ        $64, DI
	DECQ        BX
	JNZ         axpyloop8

axpytail:
	ANDQ $7, CX
	JZ   axpydone

axpyloop1:
	VMOVSD      (DI), X1
	VFMADD231SD (SI), X0, X1
	VMOVSD      X1, (DI)
	ADDQ        $8, SI
	ADDQ        $8, DI
	DECQ        CX
	JNZ         axpyloop1

axpydone:
	VZEROUPPER
	RET

// func dot4AVX2(a *float64, lda, n int, x *float64, dst *[4]float64)
// dst[k] = Σ_i a[k·lda+i]·x[i] for the rows k < 4, i < n: one accumulator
// per row, x loaded once for the four rows.
TEXT ·dot4AVX2(SB), NOSPLIT, $0-40
	MOVQ   a+0(FP), SI
	MOVQ   lda+8(FP), R9
	MOVQ   n+16(FP), CX
	MOVQ   x+24(FP), DI
	MOVQ   dst+32(FP), DX
	SHLQ   $3, R9
	LEAQ   (R9)(R9*2), R10
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	MOVQ   CX, BX
	SHRQ   $2, BX
	JZ     reduce4

loop4:
	VMOVUPD     (DI), Y12
	VFMADD231PD (SI), Y12, Y0
	VFMADD231PD (SI)(R9*1), Y12, Y1
	VFMADD231PD (SI)(R9*2), Y12, Y2
	VFMADD231PD (SI)(R10*1), Y12, Y3
	ADDQ        $32, SI
	ADDQ        $32, DI
	DECQ        BX
	JNZ         loop4

reduce4:
	HSUM(Y0, X0, X12)
	HSUM(Y1, X1, X12)
	HSUM(Y2, X2, X12)
	HSUM(Y3, X3, X12)
	ANDQ         $3, CX
	JZ           done4

tail4:
	VMOVSD      (DI), X12
	VFMADD231SD (SI), X12, X0
	VFMADD231SD (SI)(R9*1), X12, X1
	VFMADD231SD (SI)(R9*2), X12, X2
	VFMADD231SD (SI)(R10*1), X12, X3
	ADDQ        $8, SI
	ADDQ        $8, DI
	DECQ        CX
	JNZ         tail4

done4:
	VZEROUPPER
	MOVSD X0, 0(DX)
	MOVSD X1, 8(DX)
	MOVSD X2, 16(DX)
	MOVSD X3, 24(DX)
	RET

// func dot4x2AVX2(a *float64, lda, n int, x, y *float64, dst *[8]float64)
// dst[k] = Σ_i a[k·lda+i]·x[i] and dst[4+k] = Σ_i a[k·lda+i]·y[i] for the
// rows k < 4, i < n: one accumulator per row and vector, each row loaded
// once for both vectors and x, y once for the four rows.
TEXT ·dot4x2AVX2(SB), NOSPLIT, $0-48
	MOVQ   a+0(FP), SI
	MOVQ   lda+8(FP), R9
	MOVQ   n+16(FP), CX
	MOVQ   x+24(FP), DI
	MOVQ   y+32(FP), R8
	MOVQ   dst+40(FP), DX
	SHLQ   $3, R9
	LEAQ   (R9)(R9*2), R10
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	MOVQ   CX, BX
	SHRQ   $2, BX
	JZ     reduce42

loop42:
	VMOVUPD     (DI), Y12
	VMOVUPD     (R8), Y13
	VMOVUPD     (SI), Y14
	VFMADD231PD Y14, Y12, Y0
	VFMADD231PD Y14, Y13, Y4
	VMOVUPD     (SI)(R9*1), Y15
	VFMADD231PD Y15, Y12, Y1
	VFMADD231PD Y15, Y13, Y5
	VMOVUPD     (SI)(R9*2), Y14
	VFMADD231PD Y14, Y12, Y2
	VFMADD231PD Y14, Y13, Y6
	VMOVUPD     (SI)(R10*1), Y15
	VFMADD231PD Y15, Y12, Y3
	VFMADD231PD Y15, Y13, Y7
	ADDQ        $32, SI
	ADDQ        $32, DI
	ADDQ        $32, R8
	DECQ        BX
	JNZ         loop42

reduce42:
	HSUM(Y0, X0, X12)
	HSUM(Y1, X1, X12)
	HSUM(Y2, X2, X12)
	HSUM(Y3, X3, X12)
	HSUM(Y4, X4, X12)
	HSUM(Y5, X5, X12)
	HSUM(Y6, X6, X12)
	HSUM(Y7, X7, X12)
	ANDQ         $3, CX
	JZ           done42

tail42:
	VMOVSD      (DI), X12
	VMOVSD      (R8), X13
	VMOVSD      (SI), X14
	VFMADD231SD X14, X12, X0
	VFMADD231SD X14, X13, X4
	VMOVSD      (SI)(R9*1), X15
	VFMADD231SD X15, X12, X1
	VFMADD231SD X15, X13, X5
	VMOVSD      (SI)(R9*2), X14
	VFMADD231SD X14, X12, X2
	VFMADD231SD X14, X13, X6
	VMOVSD      (SI)(R10*1), X15
	VFMADD231SD X15, X12, X3
	VFMADD231SD X15, X13, X7
	ADDQ        $8, SI
	ADDQ        $8, DI
	ADDQ        $8, R8
	DECQ        CX
	JNZ         tail42

done42:
	VZEROUPPER
	MOVSD X0, 0(DX)
	MOVSD X1, 8(DX)
	MOVSD X2, 16(DX)
	MOVSD X3, 24(DX)
	MOVSD X4, 32(DX)
	MOVSD X5, 40(DX)
	MOVSD X6, 48(DX)
	MOVSD X7, 56(DX)
	RET

// func dot4x3AVX2(a *float64, lda, n int, x, y, z *float64, dst *[12]float64)
// dst[k], dst[4+k], dst[8+k] = Σ_i a[k·lda+i]·(x[i], y[i], z[i]) for the
// rows k < 4, i < n: accumulator 3k+v for row k and vector v, each row
// loaded once for the three vectors.
TEXT ·dot4x3AVX2(SB), NOSPLIT, $0-56
	MOVQ   a+0(FP), SI
	MOVQ   lda+8(FP), R9
	MOVQ   n+16(FP), CX
	MOVQ   x+24(FP), DI
	MOVQ   y+32(FP), R8
	MOVQ   z+40(FP), R11
	MOVQ   dst+48(FP), DX
	SHLQ   $3, R9
	LEAQ   (R9)(R9*2), R10
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	MOVQ   CX, BX
	SHRQ   $2, BX
	JZ     reduce43

loop43:
	VMOVUPD     (DI), Y12
	VMOVUPD     (R8), Y13
	VMOVUPD     (R11), Y14
	VMOVUPD     (SI), Y15
	VFMADD231PD Y15, Y12, Y0
	VFMADD231PD Y15, Y13, Y1
	VFMADD231PD Y15, Y14, Y2
	VMOVUPD     (SI)(R9*1), Y15
	VFMADD231PD Y15, Y12, Y3
	VFMADD231PD Y15, Y13, Y4
	VFMADD231PD Y15, Y14, Y5
	VMOVUPD     (SI)(R9*2), Y15
	VFMADD231PD Y15, Y12, Y6
	VFMADD231PD Y15, Y13, Y7
	VFMADD231PD Y15, Y14, Y8
	VMOVUPD     (SI)(R10*1), Y15
	VFMADD231PD Y15, Y12, Y9
	VFMADD231PD Y15, Y13, Y10
	VFMADD231PD Y15, Y14, Y11
	ADDQ        $32, SI
	ADDQ        $32, DI
	ADDQ        $32, R8
	ADDQ        $32, R11
	DECQ        BX
	JNZ         loop43

reduce43:
	HSUM(Y0, X0, X15)
	HSUM(Y1, X1, X15)
	HSUM(Y2, X2, X15)
	HSUM(Y3, X3, X15)
	HSUM(Y4, X4, X15)
	HSUM(Y5, X5, X15)
	HSUM(Y6, X6, X15)
	HSUM(Y7, X7, X15)
	HSUM(Y8, X8, X15)
	HSUM(Y9, X9, X15)
	HSUM(Y10, X10, X15)
	HSUM(Y11, X11, X15)
	ANDQ         $3, CX
	JZ           done43

tail43:
	VMOVSD      (DI), X12
	VMOVSD      (R8), X13
	VMOVSD      (R11), X14
	VMOVSD      (SI), X15
	VFMADD231SD X15, X12, X0
	VFMADD231SD X15, X13, X1
	VFMADD231SD X15, X14, X2
	VMOVSD      (SI)(R9*1), X15
	VFMADD231SD X15, X12, X3
	VFMADD231SD X15, X13, X4
	VFMADD231SD X15, X14, X5
	VMOVSD      (SI)(R9*2), X15
	VFMADD231SD X15, X12, X6
	VFMADD231SD X15, X13, X7
	VFMADD231SD X15, X14, X8
	VMOVSD      (SI)(R10*1), X15
	VFMADD231SD X15, X12, X9
	VFMADD231SD X15, X13, X10
	VFMADD231SD X15, X14, X11
	ADDQ        $8, SI
	ADDQ        $8, DI
	ADDQ        $8, R8
	ADDQ        $8, R11
	DECQ        CX
	JNZ         tail43

done43:
	VZEROUPPER
	MOVSD X0, 0(DX)
	MOVSD X1, 32(DX)
	MOVSD X2, 64(DX)
	MOVSD X3, 8(DX)
	MOVSD X4, 40(DX)
	MOVSD X5, 72(DX)
	MOVSD X6, 16(DX)
	MOVSD X7, 48(DX)
	MOVSD X8, 80(DX)
	MOVSD X9, 24(DX)
	MOVSD X10, 56(DX)
	MOVSD X11, 88(DX)
	RET

// ABSMASK(y) sets the four lanes of y to 0x7fffffffffffffff.
#define ABSMASK(y) \
	VPCMPEQQ y, y, y; \
	VPSRLQ   $1, y, y

// The kernels of scale.go write their large outputs either with ordinary
// stores or, when the destination is 32-byte aligned, with non-temporal
// ones (STORE = VMOVNTPD, then SFENCE), which skip reading the lines they
// overwrite: the outputs are far larger than the caches, and the read
// would add half to the memory traffic.

// SCALEABS(v, acc, dst, STORE) scales v (v ← scale·v, Y14 = scale), adds
// |v| into the four lanes at acc (Y15 = ABSMASK), then stores f·(v + 0)
// (Y13 = f, Y12 = 0) to dst: the arithmetic of ScaleAbs.
#define SCALEABS(v, acc, dst, STORE) \
	VMULPD  Y14, v, v;   \
	VANDPD  Y15, v, Y4;  \
	VADDPD  acc, Y4, Y4; \
	VMOVUPD Y4, acc;     \
	VADDPD  Y12, v, v;   \
	VMULPD  Y13, v, v;   \
	STORE   v, dst

// SCALEABSBODY(STORE, loop) is the loop of scaleAbsAVX2 (DX = acc, DI
// = d, SI = t, CX = n, Y14 = scale, Y13 = f).
#define SCALEABSBODY(STORE, loop) \
	VXORPD       Y12, Y12, Y12;   \
	ABSMASK(Y15);                 \
	VMOVUPD      (DX), Y8;        \
	SHRQ         $2, CX;          \
loop:                             \
	VMOVUPD (SI), Y0;             \
	VMULPD  Y14, Y0, Y0;          \
	VANDPD  Y15, Y0, Y1;          \
	VADDPD  Y1, Y8, Y8;           \
	VADDPD  Y12, Y0, Y0;          \
	VMULPD  Y13, Y0, Y0;          \
	STORE   Y0, (DI);             \
	ADDQ    $32, SI;              \
	ADDQ    $32, DI;              \
	DECQ    CX;                   \
	JNZ     loop;                 \
	VMOVUPD Y8, (DX)

// func scaleAbsAVX2(acc *[4]float64, d, t *float64, n int, scale, f float64, nt bool)
// n a positive multiple of 4; see ScaleAbs: lane k of the accumulator
// takes the entries j ≡ k (mod 4), in order. nt: d is 32-byte aligned,
// stored non-temporally.
TEXT ·scaleAbsAVX2(SB), NOSPLIT, $0-49
	MOVQ         acc+0(FP), DX
	MOVQ         d+8(FP), DI
	MOVQ         t+16(FP), SI
	MOVQ         n+24(FP), CX
	VBROADCASTSD scale+32(FP), Y14
	VBROADCASTSD f+40(FP), Y13
	MOVBLZX      nt+48(FP), AX
	TESTQ        AX, AX
	JNZ          scaleabsnt
	SCALEABSBODY(VMOVUPD, scaleabsloop)
	VZEROUPPER
	RET

scaleabsnt:
	SCALEABSBODY(VMOVNTPD, scaleabsntloop)
	SFENCE
	VZEROUPPER
	RET

// TRANSPOSE4(a, b, c, d) transposes the 4×4 block whose rows are a, b, c,
// d in place (Y4–Y7 scratch).
#define TRANSPOSE4(a, b, c, d) \
	VUNPCKLPD  b, a, Y4;         \
	VUNPCKHPD  b, a, Y5;         \
	VUNPCKLPD  d, c, Y6;         \
	VUNPCKHPD  d, c, Y7;         \
	VPERM2F128 $0x20, Y6, Y4, a; \
	VPERM2F128 $0x20, Y7, Y5, b; \
	VPERM2F128 $0x31, Y6, Y4, c; \
	VPERM2F128 $0x31, Y7, Y5, d

// SCALEABST8BODY(STORE, loop) is the loop of scaleAbsT8AVX2 (DX =
// acc, DI = d, R10 = ldd, SI = t, R8 = ldt, CX = n, Y14 = scale, Y13 =
// f): four
// columns i … i+3 of the eight rows of t are loaded and transposed in two
// 4×4 blocks; rows 0–3 give lanes 0–3 of d's rows i … i+3 and the first
// sum, rows 4–7 lanes 4–7 and the second.
#define SCALEABST8BODY(STORE, loop) \
	VXORPD       Y12, Y12, Y12;       \
	ABSMASK(Y15);                     \
	SHLQ         $3, R8;              \
	SHLQ         $3, R10;             \
	LEAQ         (R8)(R8*2), R9;      \
	LEAQ         (R10)(R10*2), R13;   \
	LEAQ         (SI)(R8*4), R11;     \
	SHRQ         $2, CX;              \
loop:                                 \
	VMOVUPD (SI), Y0;                 \
	VMOVUPD (SI)(R8*1), Y1;           \
	VMOVUPD (SI)(R8*2), Y2;           \
	VMOVUPD (SI)(R9*1), Y3;           \
	TRANSPOSE4(Y0, Y1, Y2, Y3);       \
	SCALEABS(Y0, (DX), (DI), STORE);  \
	SCALEABS(Y1, 32(DX), (DI)(R10*1), STORE); \
	SCALEABS(Y2, 64(DX), (DI)(R10*2), STORE); \
	SCALEABS(Y3, 96(DX), (DI)(R13*1), STORE); \
	VMOVUPD (R11), Y0;                \
	VMOVUPD (R11)(R8*1), Y1;          \
	VMOVUPD (R11)(R8*2), Y2;          \
	VMOVUPD (R11)(R9*1), Y3;          \
	TRANSPOSE4(Y0, Y1, Y2, Y3);       \
	SCALEABS(Y0, (DX), 32(DI), STORE); \
	SCALEABS(Y1, 32(DX), 32(DI)(R10*1), STORE); \
	SCALEABS(Y2, 64(DX), 32(DI)(R10*2), STORE); \
	SCALEABS(Y3, 96(DX), 32(DI)(R13*1), STORE); \
	ADDQ    $32, SI;                  \
	ADDQ    $32, R11;                 \
	ADDQ    $128, DX;                 \
	LEAQ    (DI)(R10*4), DI;          \
	DECQ    CX;                       \
	JNZ     loop

// func scaleAbsT8AVX2(acc *[4]float64, d *float64, ldd int, t *float64, ldt, n int, scale, f float64, nt bool)
// n a positive multiple of 4; see ScaleAbsT8. nt: d is 32-byte aligned
// and ldd a multiple of 4, stored non-temporally.
TEXT ·scaleAbsT8AVX2(SB), NOSPLIT, $0-65
	MOVQ         acc+0(FP), DX
	MOVQ         d+8(FP), DI
	MOVQ         ldd+16(FP), R10
	MOVQ         t+24(FP), SI
	MOVQ         ldt+32(FP), R8
	MOVQ         n+40(FP), CX
	VBROADCASTSD scale+48(FP), Y14
	VBROADCASTSD f+56(FP), Y13
	MOVBLZX      nt+64(FP), AX
	TESTQ        AX, AX
	JNZ          scaleabst8nt
	SCALEABST8BODY(VMOVUPD, scaleabst8loop)
	VZEROUPPER
	RET

scaleabst8nt:
	SCALEABST8BODY(VMOVNTPD, scaleabst8ntloop)
	SFENCE
	VZEROUPPER
	RET

// MAXABSBODY(STORE, loop) is the loop of maxAbsCopyAVX2 (DI = dst, SI
// = src, CX = n, Y8 = m, DX = lanes): the bits of
// |src_j| are non-negative as int64, so a signed compare orders them.
#define MAXABSBODY(STORE, loop) \
	VMOVDQU      Y8, Y9;         \
	ABSMASK(Y15);                \
	SHRQ         $3, CX;         \
loop:                            \
	VMOVDQU   (SI), Y0;          \
	VMOVDQU   32(SI), Y1;        \
	STORE     Y0, (DI);          \
	STORE     Y1, 32(DI);        \
	VPAND     Y15, Y0, Y0;       \
	VPAND     Y15, Y1, Y1;       \
	VPCMPGTQ  Y8, Y0, Y2;        \
	VPCMPGTQ  Y9, Y1, Y3;        \
	VBLENDVPD Y2, Y0, Y8, Y8;    \
	VBLENDVPD Y3, Y1, Y9, Y9;    \
	ADDQ      $64, SI;           \
	ADDQ      $64, DI;           \
	DECQ      CX;                \
	JNZ       loop;              \
	VPCMPGTQ  Y8, Y9, Y2;        \
	VBLENDVPD Y2, Y9, Y8, Y8;    \
	VMOVDQU   Y8, (DX)

// func maxAbsCopyAVX2(dst, src *float64, n int, m uint64, lanes *[4]uint64, nt bool)
// n a positive multiple of 8; see MaxAbsCopy. nt: dst is 32-byte
// aligned, stored non-temporally.
TEXT ·maxAbsCopyAVX2(SB), NOSPLIT, $0-41
	MOVQ         dst+0(FP), DI
	MOVQ         src+8(FP), SI
	MOVQ         n+16(FP), CX
	VPBROADCASTQ m+24(FP), Y8
	MOVQ         lanes+32(FP), DX
	MOVBLZX      nt+40(FP), AX
	TESTQ        AX, AX
	JNZ          maxabsnt
	MAXABSBODY(VMOVDQU, maxabsloop)
	VZEROUPPER
	RET

maxabsnt:
	MAXABSBODY(VMOVNTDQ, maxabsntloop)
	SFENCE
	VZEROUPPER
	RET
