// RUN: licc-opt %S/Inputs/codec.mlir -p 'lic-calibrate{count=2}' 2>&1 | filecheck %s
// RUN: licc-opt %S/Inputs/codec.mlir --verify-diagnostics -p 'lic-calibrate{images="/nonexistent/folder"}' | filecheck %s --check-prefix=FOLDER
// RUN: licc-opt %S/Inputs/codec.mlir -p 'lic-calibrate{count=1},lic-assign-precision,lic-quantize,lic-calibrate' --verify-diagnostics | filecheck %s --check-prefix=INTEGER

// Two shipped calibration images, center-cropped to the 16×16 frame, drive
// @encoder; @decoder gets the encoder's rounded latent. Every op's result and
// every function's argument gets its range; NCHW tensors also each channel's peak.

// CHECK: lic-calibrate: 14 tensors on 2 images in {{[0-9.]+}} s
// CHECK: func.func @encoder(%x: tensor<1x3x16x16xf32>) -> tensor<1x2x4x4xf32> attributes {lic.arg_ranges = [{min = {{[0-9.e+-]+}} : f64, max = {{[0-9.e+-]+}} : f64, p9999 = {{[0-9.e+-]+}} : f64, mse_clip = {b2 = {{.*}}, b16 = {{[0-9.e+-]+}} : f64}, channel_peak = [{{[0-9.e+-]+}} : f64, {{[0-9.e+-]+}} : f64, {{[0-9.e+-]+}} : f64]}]}
// CHECK: %conv = lic.conv2d %x, %w, %b {lic.range = {min = {{[0-9.e+-]+}} : f64, max = {{.*}}, p9999 = {{.*}}, mse_clip = {b2 = {{.*}}}, channel_peak = [{{.*}}]}, stride = array<i64: 2, 2>, padding = array<i64: 0, 0>}
// CHECK: %gdn_sq = lic.mul %conv, %conv {lic.range = {min = {{.*}}}} : tensor<1x4x8x8xf32>
// CHECK: %gdn_rsqrt = lic.rsqrt %gdn_norm pwl(segments = 32) {lic.range = {{.*}}} : tensor<1x4x8x8xf32>
// CHECK: func.func @decoder(%y: tensor<1x2x4x4xf32>) -> tensor<1x3x16x16xf32> attributes {lic.arg_ranges = [{min = {{.*}}}]}
// CHECK: %deconv_1 = lic.conv_transpose2d %igdn, %w_1, %b_1 {lic.range = {{.*}} -> tensor<1x3x16x16xf32>

// FOLDER: image folder /nonexistent/folder does not exist
// INTEGER: lic-calibrate: the IR is already integer; calibrate the float IR, before lic-quantize
