// RUN: licc-opt %S/Inputs/codec.mlir -p 'lic-calibrate{count=2},lic-assign-precision,lic-quantize' 2>/dev/null | filecheck %s
// RUN: licc-opt %S/Inputs/codec.mlir -p 'lic-calibrate{count=2},lic-assign-precision,lic-quantize' 2>/dev/null | licc-opt | filecheck %s

// W8A8 with a 16-bit GDN path (its input x included), per-channel scales.
// The encoder takes 8-bit pixels and returns the integer latent (scale 1);
// each conv accumulates in the narrowest proven width and is rescaled (one
// multiplier and shift per channel) to an activation; GDN is exact x²
// rescaled into the 16-bit path, the 1×1 norm conv (β as its bias), a root
// table and x·f rescaled to 8 bits. The decoder takes the latent and
// returns 8-bit pixels. The IR verifies, parses back.

// CHECK: func.func @encoder(%x: tensor<1x3x16x16xui8>) -> tensor<1x2x4x4xi8> attributes {lic.arg_scales = [0.0039215686274509803 : f64], lic.result_scales = [1.000000e+00 : f64]}
// CHECK-NEXT: %w = lic.constant dense<{{.*}}> : tensor<4x3x1x1xi8>
// CHECK-NEXT: %b = lic.constant dense<{{.*}}> : tensor<4x[[ACC:i[0-9]+]]>
// CHECK-NEXT: %conv_acc = lic.conv2d %x, %w, %b {stride = array<i64: 2, 2>, padding = array<i64: 0, 0>} : (tensor<1x3x16x16xui8>, tensor<4x3x1x1xi8>, tensor<4x[[ACC]]>) -> tensor<1x4x8x8x[[ACC]]>
// CHECK-NEXT: %conv = lic.rescale %conv_acc {multiplier = array<i64: {{[0-9, ]+}}>, shift = array<i64: {{[0-9, ]+}}>} : tensor<1x4x8x8x[[ACC]]> -> tensor<1x4x8x8xi16>
// CHECK-NEXT: %gdn_sq_exact = lic.mul %conv, %conv : (tensor<1x4x8x8xi16>, tensor<1x4x8x8xi16>) -> tensor<1x4x8x8xui31>
// CHECK-NEXT: %gdn_sq = lic.rescale %gdn_sq_exact {{.*}} : tensor<1x4x8x8xui31> -> tensor<1x4x8x8xui16>
// CHECK-NEXT: %gdn_gamma = lic.constant dense<{{.*}}> : tensor<4x4x1x1xi16>
// CHECK-NEXT: %beta = lic.constant dense<{{.*}}> : tensor<4x[[NORM:i[0-9]+]]>
// CHECK-NEXT: %gdn_norm_acc = lic.conv2d %gdn_sq, %gdn_gamma, %beta {{.*}} -> tensor<1x4x8x8x[[NORM]]>
// CHECK-NEXT: %gdn_rsqrt = lic.table %gdn_norm_acc rsqrt pwl(segments = 32) frac_bits = {{[0-9]+}} : tensor<1x4x8x8x[[NORM]]> -> tensor<1x4x8x8xui16>
// CHECK-NEXT: %gdn_exact = lic.mul %conv, %gdn_rsqrt : (tensor<1x4x8x8xi16>, tensor<1x4x8x8xui16>) -> tensor<1x4x8x8xi32>
// CHECK-NEXT: %gdn = lic.rescale %gdn_exact {{.*}} : tensor<1x4x8x8xi32> -> tensor<1x4x8x8xi8>
// CHECK: %conv_1 = lic.rescale %conv_acc_1 {{.*}} -> tensor<1x2x4x4xi8>
// CHECK-NEXT: func.return %conv_1 : tensor<1x2x4x4xi8>

// CHECK: func.func @decoder(%y: tensor<1x2x4x4xi8>) -> tensor<1x3x16x16xui8> attributes {lic.arg_scales = [1.000000e+00 : f64], lic.result_scales = [0.0039215686274509803 : f64]}
// CHECK: %deconv_acc = lic.conv_transpose2d %y, %w, %b
// CHECK: %igdn_sqrt = lic.table %igdn_norm_acc sqrt table(table_bits = 10) frac_bits = {{-?[0-9]+}}
// CHECK: %deconv_1 = lic.rescale %deconv_acc_1 {{.*}} -> tensor<1x3x16x16xui8>
// CHECK-NEXT: func.return %deconv_1 : tensor<1x3x16x16xui8>
