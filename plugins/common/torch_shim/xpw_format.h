/* xpw_format.h — the ".xpw" converted-network file: a tiny feed-forward graph of image ops
 * with float32 weights, written by tools/weights/mobilenet_convert (from the TensorFlow.js
 * graph model in npm nsfwjs@4.3.0) and run by the torch shim (xpt_net_load / xpt_net_forward).
 *
 * All integers are little-endian uint32 unless marked i32; floats are IEEE float32 LE.
 *
 *   char  magic[8]     "XPWNET1\0"
 *   u32   version      XPW_VERSION (1)
 *   u32   in_h, in_w, in_c      input image size the graph was made for (224, 224, 3)
 *   u32   out_dim      width of the output vector (1792)
 *   u32   n_ops
 *   u32   source_len;  char source[source_len]   free text: where it came from (no NUL)
 *   n_ops times:
 *     u32 type         XPW_OP_*
 *     i32 in0, in1     value ids: 0 = the graph input (NCHW after the runner's NHWC->NCHW
 *                      permute), op k (0-based) writes value k + 1; -1 = unused
 *     u32 stride       conv / pool stride (same in both directions); 0 when unused
 *     u32 ksize        pool window (square); 0 when unused
 *     u32 act          XPW_ACT_* applied after the op (conv ops)
 *     u32 pad          XPW_PAD_* (TensorFlow padding: SAME pads bottom/right more when the
 *                      total is odd)
 *     f32 scalar       MUL_SCALAR / SUB_SCALAR / ADD_SCALAR operand
 *     u32 n_tensors    0..2, then per tensor: u32 ndim, u32 dims[ndim], f32 data[prod dims]
 *                      CONV2D:   weight [O, I, kh, kw] (torch layout), bias [O]
 *                      DWCONV2D: weight [C*M, 1, kh, kw] (groups = C), bias [C*M]
 * The output of the graph is the value written by the last op; it must hold out_dim floats
 * per image. Ops are in topological order (inputs always written by earlier ops).
 */
#ifndef XP_XPW_FORMAT_H
#define XP_XPW_FORMAT_H

#define XPW_MAGIC "XPWNET1"
#define XPW_VERSION 1u

enum {
    XPW_OP_MUL_SCALAR = 1, /* y = x * scalar */
    XPW_OP_SUB_SCALAR = 2, /* y = x - scalar */
    XPW_OP_ADD_SCALAR = 3, /* y = x + scalar */
    XPW_OP_CONV2D = 4,     /* y = act(conv(x, W, stride, pad) + b) */
    XPW_OP_DWCONV2D = 5,   /* depthwise: groups = input channels */
    XPW_OP_ADD = 6,        /* y = in0 + in1 (same shape) */
    XPW_OP_AVGPOOL = 7,    /* ksize x ksize window, stride, pad (VALID only so far) */
    XPW_OP_SQUEEZE = 8     /* [N, C, 1, 1] -> [N, C] */
};

enum { XPW_ACT_NONE = 0, XPW_ACT_RELU = 1, XPW_ACT_RELU6 = 2 };
enum { XPW_PAD_VALID = 0, XPW_PAD_SAME = 1 };

#endif
