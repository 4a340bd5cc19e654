#include "textflag.h"

// func convTile4x8(y *float64, ys int, w *float64, ckk int, src *float64, off *int, k int, b *float64)
//
// Y0..Y7 hold the 4×8 tile of y (two vectors per filter), loaded from y or
// broadcast from b. For each kk the
// 8 source values are loaded once, each filter weight is broadcast, and
// the product is added after rounding (VMULPD then VADDPD, as the Go code).
TEXT ·convTile4x8(SB), NOSPLIT, $0-64
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
	MOVQ b+56(FP), AX
	TESTQ AX, AX
	JZ   loady
	VBROADCASTSD (AX), Y0
	VBROADCASTSD 8(AX), Y2
	VBROADCASTSD 16(AX), Y4
	VBROADCASTSD 24(AX), Y6
	VMOVAPD      Y0, Y1
	VMOVAPD      Y2, Y3
	VMOVAPD      Y4, Y5
	VMOVAPD      Y6, Y7
	JMP  loadw

loady:
	VMOVUPD (DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD (R12), Y2
	VMOVUPD 32(R12), Y3
	VMOVUPD (R13), Y4
	VMOVUPD 32(R13), Y5
	VMOVUPD (R14), Y6
	VMOVUPD 32(R14), Y7

loadw:

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

// func gradRows(dst *float64, ckk int, pt *float64, js *int, ds *float64, n int)
//
// dst[k] += ds[i]·pt[js[i]·ckk + k] for i < n in order, for k < ckk − ckk mod 4:
// 16 entries of dst at a time held in Y0..Y3, then 4 at a time in Y0.
TEXT ·gradRows(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ ckk+8(FP), R8
	MOVQ pt+16(FP), SI
	MOVQ js+24(FP), BX
	MOVQ ds+32(FP), DX
	MOVQ n+40(FP), CX
	MOVQ R8, R9
	SHLQ $3, R9 // row stride of pt in bytes
	MOVQ R8, R10
	SHRQ $4, R10 // chunks of 16
	XORQ R11, R11 // byte offset of the chunk in g and in a row

g16:
	TESTQ   R10, R10
	JZ      g4start
	VMOVUPD (DI)(R11*1), Y0
	VMOVUPD 32(DI)(R11*1), Y1
	VMOVUPD 64(DI)(R11*1), Y2
	VMOVUPD 96(DI)(R11*1), Y3
	XORQ    R12, R12

l16:
	CMPQ         R12, CX
	JGE          s16
	MOVQ         (BX)(R12*8), AX
	IMULQ        R9, AX
	ADDQ         SI, AX
	ADDQ         R11, AX
	VBROADCASTSD (DX)(R12*8), Y4
	VMULPD       (AX), Y4, Y5
	VMULPD       32(AX), Y4, Y6
	VMULPD       64(AX), Y4, Y7
	VMULPD       96(AX), Y4, Y8
	VADDPD       Y5, Y0, Y0
	VADDPD       Y6, Y1, Y1
	VADDPD       Y7, Y2, Y2
	VADDPD       Y8, Y3, Y3
	INCQ         R12
	JMP          l16

s16:
	VMOVUPD Y0, (DI)(R11*1)
	VMOVUPD Y1, 32(DI)(R11*1)
	VMOVUPD Y2, 64(DI)(R11*1)
	VMOVUPD Y3, 96(DI)(R11*1)
	ADDQ    $128, R11
	DECQ    R10
	JMP     g16

g4start:
	MOVQ R8, R10
	ANDQ $15, R10
	SHRQ $2, R10 // chunks of 4 left

g4:
	TESTQ   R10, R10
	JZ      gdone
	VMOVUPD (DI)(R11*1), Y0
	XORQ    R12, R12

l4:
	CMPQ         R12, CX
	JGE          s4
	MOVQ         (BX)(R12*8), AX
	IMULQ        R9, AX
	ADDQ         SI, AX
	ADDQ         R11, AX
	VBROADCASTSD (DX)(R12*8), Y4
	VMULPD       (AX), Y4, Y5
	VADDPD       Y5, Y0, Y0
	INCQ         R12
	JMP          l4

s4:
	VMOVUPD Y0, (DI)(R11*1)
	ADDQ    $32, R11
	DECQ    R10
	JMP     g4

gdone:
	VZEROUPPER
	RET
