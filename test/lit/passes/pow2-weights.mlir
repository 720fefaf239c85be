// RUN: licc-opt %S/Inputs/codec.mlir -p 'lic-calibrate{count=2},lic-assign-precision{weights=5},lic-pow2-weights{functions=decoder},lic-quantize' 2>/dev/null | filecheck %s
// RUN: licc-opt %S/Inputs/codec.mlir -p 'lic-calibrate{count=2},lic-assign-precision{weights=5},lic-pow2-weights{functions=decoder},lic-quantize,convert-lic-to-hls' 2>/dev/null | filecheck %s --check-prefix=HLS
// RUN: not licc-opt %S/Inputs/codec.mlir -p 'lic-pow2-weights{functions=decodr}' 2>&1 | filecheck %s --check-prefix=BAD

// lic-pow2-weights marks the decoder's convolutions (not GDN's γ): lic-quantize
// gives them 5-bit weights that are 0 or ±2^k (k ≤ 3) and keeps the mark; the
// encoder's stay plain 5-bit integers. convert-lic-to-hls makes their stages shift.

// CHECK: func.func @encoder
// CHECK: %conv_acc = lic.conv2d {{.*}} : (tensor<1x3x16x16xui8>, tensor<4x3x1x1xi5>, {{.*}}
// CHECK-NOT: lic.weight_pow2
// CHECK: func.func @decoder
// CHECK: %w{{.*}} = lic.constant dense<{{(\[|\]|, |0|-?1|-?2|-?4|-?8)+}}> : tensor<2x4x{{[0-9]+}}x{{[0-9]+}}xi5>
// CHECK: %deconv_acc = lic.conv_transpose2d {{.*}}lic.weight_pow2 = true
// CHECK: %igdn_norm_acc = lic.conv2d %igdn_sq, %igdn_gamma, %beta {stride
// CHECK: %deconv_acc_1 = lic.conv_transpose2d {{.*}}lic.weight_pow2 = true

// HLS: func.func @encoder
// HLS-NOT: weight_pow2
// HLS: func.func @decoder
// HLS: %deconv = hls.deconv {{.*}}weight_pow2
// HLS: %igdn = hls.gdn
// HLS: %deconv_1 = hls.deconv {{.*}}weight_pow2

// BAD: lic-pow2-weights: no function decodr; choose from decoder, encoder or all
