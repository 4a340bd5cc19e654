#include "textflag.h"

// func convTile4x8(y *float64, ys int, w *float64, ckk int, src *float64, off *int, k int)
//
// Y0..Y7 hold the 4×8 tile of y (two vectors per filter). For each kk the
// 8 source values are loaded once, each filter weight is broadcast, and
// the product is added after rounding (VMULPD then VADDPD, as the Go code).
TEXT ·convTile4x8(SB), NOSPLIT, $0-56
	MOVQ y+0(FP), DI
	MOVQ ys+8(FP), R8
	MOVQ w+16(FP), SI
	MOVQ ckk+24(FP), R9
	MOVQ src+32(FP), DX
	MOVQ off+40(FP), BX
	MOVQ k+48(FP), CX
	SHLQ $3, R8
	SHLQ $3, R9

	// y row pointers: DI, R12 = DI+ys, R13 = R12+ys, R14 = R13+ys.
	LEAQ (DI)(R8*1), R12
	LEAQ (R12)(R8*1), R13
	LEAQ (R13)(R8*1), R14
	VMOVUPD (DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD (R12), Y2
	VMOVUPD 32(R12), Y3
	VMOVUPD (R13), Y4
	VMOVUPD 32(R13), Y5
	VMOVUPD (R14), Y6
	VMOVUPD 32(R14), Y7

	// w row pointers: SI, R9 = SI+ckk, R10 = R9+ckk, R11 = R10+ckk (R8,
	// the y stride, is free once the y rows are loaded).
	MOVQ R9, R8
	LEAQ (SI)(R8*1), R9
	LEAQ (R9)(R8*1), R10
	LEAQ (R10)(R8*1), R11

	TESTQ CX, CX
	JZ    done

loop:
	MOVQ    (BX), AX
	VMOVUPD (DX)(AX*8), Y8
	VMOVUPD 32(DX)(AX*8), Y9

	VBROADCASTSD (SI), Y10
	VMULPD       Y10, Y8, Y11
	VMULPD       Y10, Y9, Y12
	VADDPD       Y11, Y0, Y0
	VADDPD       Y12, Y1, Y1

	VBROADCASTSD (R9), Y13
	VMULPD       Y13, Y8, Y14
	VMULPD       Y13, Y9, Y15
	VADDPD       Y14, Y2, Y2
	VADDPD       Y15, Y3, Y3

	VBROADCASTSD (R10), Y10
	VMULPD       Y10, Y8, Y11
	VMULPD       Y10, Y9, Y12
	VADDPD       Y11, Y4, Y4
	VADDPD       Y12, Y5, Y5

	VBROADCASTSD (R11), Y13
	VMULPD       Y13, Y8, Y14
	VMULPD       Y13, Y9, Y15
	VADDPD       Y14, Y6, Y6
	VADDPD       Y15, Y7, Y7

	ADDQ $8, SI
	ADDQ $8, R9
	ADDQ $8, R10
	ADDQ $8, R11
	ADDQ $8, BX
	DECQ CX
	JNZ  loop

done:
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, (R12)
	VMOVUPD Y3, 32(R12)
	VMOVUPD Y4, (R13)
	VMOVUPD Y5, 32(R13)
	VMOVUPD Y6, (R14)
	VMOVUPD Y7, 32(R14)
	VZEROUPPER
	RET

// func maxShift(dst, src *float64, n, step, k int)
//
// dst[i] = max over t < k of src[i + t·step] for i < n (n a multiple of 4),
// scanning t upwards and replacing the running maximum m by v when v > m
// (VMAXPD with v as first source), as the Go loop does.
TEXT ·maxShift(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ step+24(FP), R8
	MOVQ k+32(FP), R9
	SHLQ $3, R8
	SHRQ $2, CX
	JZ   mdone

mloop:
	VMOVUPD (SI), Y0
	MOVQ    SI, AX
	MOVQ    R9, DX
	DECQ    DX
	JLE     mstore

mshift:
	ADDQ    R8, AX
	VMOVUPD (AX), Y1
	VMAXPD  Y0, Y1, Y0
	DECQ    DX
	JNZ     mshift

mstore:
	VMOVUPD Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     mloop

mdone:
	VZEROUPPER
	RET
