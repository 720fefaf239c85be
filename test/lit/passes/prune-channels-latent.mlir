// RUN: licc-opt %s -p 'lic-prune-channels{criterion=latent count=2}' 2>%t.report | filecheck %s
// RUN: filecheck %s --check-prefix=REPORT < %t.report
// RUN: licc-opt %s -p 'lic-prune-channels{keep-latent=false count=2}' 2>&1 | filecheck %s --check-prefix=KEEP
// RUN: licc-opt %s -p 'lic-prune-channels{criterion=latent ratio=0.75 count=2 measure=false}' | filecheck %s --check-prefix=RATIO

// The latent is one group across functions: @encoder's result, @decoder's
// and @hyper_encoder's argument; @hyper_decoder's result holds a scale and
// a mean per latent channel (channels c and 4 + c), so it follows the
// latent. On the calibration images the latent's channel 0 carries bits,
// channel 3 is the constant 3 (no bits, but energy), and channels 1 and 2
// round to zero everywhere: free, so they go and nothing changes
// (PSNR and the estimated bpp stay). The hyper-latent's channel 1 is free too.

// CHECK: kept = {latent = array<i64: 0, 3>, hyper_latent = array<i64: 0>, hyper_decoder.conv1 = array<i64: 0, 3, 4, 7>}

// CHECK-LABEL: func.func @encoder(%x: tensor<1x3x8x8xf32>) -> tensor<1x2x8x8xf32>
// CHECK-NEXT: %w = lic.constant dense<{{\[\[\[\[}}2.000000e+01]], {{\[\[}}0.000000e+00]], {{\[\[}}0.000000e+00]]], {{\[\[\[}}0.000000e+00]], {{\[\[}}0.000000e+00]], {{\[\[}}0.000000e+00]]]]> : tensor<2x3x1x1xf32>
// CHECK-NEXT: %b = lic.constant dense<[0.000000e+00, 3.000000e+00]> : tensor<2xf32>

// CHECK-LABEL: func.func @decoder(%y: tensor<1x2x8x8xf32>) -> tensor<1x3x8x8xf32>
// CHECK-NEXT: %w = lic.constant dense<{{\[\[\[\[}}1.000000e-02]], {{\[\[}}2.000000e-02]], {{\[\[}}3.000000e-02]]], {{\[\[\[}}1.000000e-01]], {{\[\[}}2.000000e-01]], {{\[\[}}3.000000e-01]]]]> : tensor<2x3x1x1xf32>

// CHECK-LABEL: func.func @hyper_encoder(%y: tensor<1x2x8x8xf32>) -> tensor<1x1x8x8xf32>
// CHECK-NEXT: %abs = lic.abs %y : tensor<1x2x8x8xf32>
// CHECK-NEXT: %w = lic.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}5.000000e-01]]]]> : tensor<1x2x1x1xf32>

// CHECK-LABEL: func.func @hyper_decoder(%z: tensor<1x1x8x8xf32>) -> tensor<1x4x8x8xf32>
// CHECK-NEXT: %w = lic.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}4.000000e+00]], {{\[\[}}5.000000e+00]], {{\[\[}}8.000000e+00]]]]> : tensor<1x4x1x1xf32>
// CHECK-NEXT: %deconv = lic.conv_transpose2d %z, %w {{.*}} : (tensor<1x1x8x8xf32>, tensor<1x4x1x1xf32>) -> tensor<1x4x8x8xf32>

// REPORT: lic-prune-channels: criterion latent, ratio 0, multiple-of 1
// REPORT-NEXT: latent 4 -> 2
// REPORT-NEXT: hyper_latent 2 -> 1
// REPORT-NEXT: hyper_decoder.conv1 8 -> 4
// REPORT-NEXT: MACs per frame
// REPORT-NEXT: on 2 calibration images: PSNR [[PSNR:[0-9.]+]] -> [[PSNR]] dB (+0.000 dB)
// REPORT-NEXT: estimated bpp (latent entropy) [[BPP:[0-9.]+]] -> [[BPP]]

// keep-latent=false prunes the latents by rate too: with no ratio for them, only the free channels go.
// KEEP: latent 4 -> 2
// KEEP: kept = {latent = array<i64: 0, 3>, hyper_latent = array<i64: 0>, hyper_decoder.conv1 = array<i64: 0, 3, 4, 7>}

// A ratio takes the cheapest channels beyond the free ones: the constant one next.
// RATIO: kept = {latent = array<i64: 0>, hyper_latent = array<i64: 0>, hyper_decoder.conv1 = array<i64: 0, 4>}

func.func @encoder(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %w = lic.constant dense<[[[[20.0]], [[0.0]], [[0.0]]], [[[0.0]], [[0.0]], [[0.0]]], [[[0.0]], [[0.0]], [[0.4]]], [[[0.0]], [[0.0]], [[0.0]]]]> : tensor<4x3x1x1xf32>
  %b = lic.constant dense<[0.0, 0.0, 0.0, 3.0]> : tensor<4xf32>
  %conv = lic.conv2d %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x3x8x8xf32>, tensor<4x3x1x1xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  func.return %conv : tensor<1x4x8x8xf32>
}

func.func @decoder(%y: tensor<1x4x8x8xf32>) -> tensor<1x3x8x8xf32> {
  %w = lic.constant dense<[[[[0.01]], [[0.02]], [[0.03]]], [[[0.04]], [[0.05]], [[0.06]]], [[[0.07]], [[0.08]], [[0.09]]], [[[0.1]], [[0.2]], [[0.3]]]]> : tensor<4x3x1x1xf32>
  %deconv = lic.conv_transpose2d %y, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x4x8x8xf32>, tensor<4x3x1x1xf32>) -> tensor<1x3x8x8xf32>
  func.return %deconv : tensor<1x3x8x8xf32>
}

func.func @hyper_encoder(%y: tensor<1x4x8x8xf32>) -> tensor<1x2x8x8xf32> {
  %abs = lic.abs %y : tensor<1x4x8x8xf32>
  %w = lic.constant dense<[[[[1.0]], [[0.0]], [[0.0]], [[0.5]]], [[[0.0]], [[0.0]], [[0.0]], [[0.0]]]]> : tensor<2x4x1x1xf32>
  %conv = lic.conv2d %abs, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x4x8x8xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x8x8xf32>
  func.return %conv : tensor<1x2x8x8xf32>
}

func.func @hyper_decoder(%z: tensor<1x2x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %w = lic.constant dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]], [[5.0]], [[6.0]], [[7.0]], [[8.0]]], [[[9.0]], [[9.0]], [[9.0]], [[9.0]], [[9.0]], [[9.0]], [[9.0]], [[9.0]]]]> : tensor<2x8x1x1xf32>
  %deconv = lic.conv_transpose2d %z, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x2x8x8xf32>, tensor<2x8x1x1xf32>) -> tensor<1x8x8x8xf32>
  func.return %deconv : tensor<1x8x8x8xf32>
}
