// RUN: licc-opt %S/Inputs/residual.mlir -p 'lic-calibrate{count=2},lic-assign-precision,lic-quantize' 2>/dev/null | filecheck %s
// RUN: licc-opt %S/Inputs/residual.mlir -p 'lic-calibrate{count=2},lic-assign-precision,lic-quantize' 2>/dev/null | licc-opt | filecheck %s

// A residual sum: each operand (the skip %conv and the main path %main, at
// their own per-channel scales) is rescaled to the sum's calibrated scale in
// one bit more than the activations, the two are added exactly in a type the
// verifier proves, and the sum saturates to an 8-bit activation (unsigned:
// calibrated non-negative) with a multiplier of exactly 1.

// CHECK: %conv = lic.rescale %conv_acc {{.*}} -> tensor<1x4x16x16xi8>
// CHECK: %main = lic.rescale %main_acc {{.*}} -> tensor<1x4x16x16xi8>
// CHECK-NEXT: %res_lhs = lic.rescale %conv {multiplier = array<i64: {{[0-9]+, [0-9]+, [0-9]+, [0-9]+}}>, shift = {{.*}}} : tensor<1x4x16x16xi8> -> tensor<1x4x16x16xi9>
// CHECK-NEXT: %res_rhs = lic.rescale %main {{.*}} : tensor<1x4x16x16xi8> -> tensor<1x4x16x16xi9>
// CHECK-NEXT: %res_exact = lic.add %res_lhs, %res_rhs : (tensor<1x4x16x16xi9>, tensor<1x4x16x16xi9>) -> tensor<1x4x16x16xi10>
// CHECK-NEXT: %res = lic.rescale %res_exact {multiplier = array<i64: 16384>, shift = array<i64: 14>} : tensor<1x4x16x16xi10> -> tensor<1x4x16x16xui8>
// CHECK: %latent_acc = lic.conv2d %res, %wl, %bl
