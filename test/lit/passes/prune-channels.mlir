// RUN: licc-opt %s -p 'lic-prune-channels{ratio=0.5 measure=false}' | filecheck %s
// RUN: licc-opt %s -p 'lic-prune-channels{ratio=0.7 measure=false}' | filecheck %s --check-prefix=ONE
// RUN: licc-opt %s -p 'lic-prune-channels{ratio=0.7 multiple-of=2 measure=false}' | filecheck %s --check-prefix=TWO
// RUN: licc-opt %s -p 'lic-prune-channels{ratio=0.5 measure=false}' 2>&1 >/dev/null | filecheck %s --check-prefix=REPORT

// Filter L1 norms pick the channels: encoder.conv1's rows have norms
// 1, 0.1, 2, 0.2, so ratio=0.5 keeps channels 0 and 2 everywhere they go:
// the conv's weight rows and bias, GDN's β and γ's rows and columns, the
// next conv's input channels. In the decoder the transposed convs' weights
// are [Cin, Cout, k, k]: decoder.conv1's output channels are weight columns
// (norms 0.1, 3, 0.2, 4: channels 1 and 3 stay), decoder.conv2's input
// channels its rows. The latent (2 channels) and the image stay whole.

// CHECK: builtin.module attributes {lic.pruning = {criterion = "l1", ratio = 5.000000e-01 : f64, multiple_of = 1 : i64, layers = [{layer = "encoder.conv1", before = 4 : i64, after = 2 : i64}, {layer = "latent", before = 2 : i64, after = 2 : i64}, {layer = "decoder.conv1", before = 4 : i64, after = 2 : i64}], kept = {encoder.conv1 = array<i64: 0, 2>, decoder.conv1 = array<i64: 1, 3>}, compensated = [], macs_before = 1152 : i64, params_before = 88 : i64, macs_after = 448 : i64, params_after = 36 : i64}}

// CHECK-LABEL: func.func @encoder(%x: tensor<1x3x4x4xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT: %w = lic.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}0.000000e+00]], {{\[\[}}0.000000e+00]]], {{\[\[\[}}0.000000e+00]], {{\[\[}}2.000000e+00]], {{\[\[}}0.000000e+00]]]]> : tensor<2x3x1x1xf32>
// CHECK-NEXT: %b = lic.constant dense<[1.000000e+00, 3.000000e+00]> : tensor<2xf32>
// CHECK-NEXT: %conv = lic.conv2d %x, %w, %b {{.*}} -> tensor<1x2x4x4xf32>
// CHECK-NEXT: %beta = lic.constant dense<[1.000000e+00, 3.000000e+00]> : tensor<2xf32>
// CHECK-NEXT: %gamma = lic.constant dense<{{\[\[}}1.100000e+01, 1.300000e+01], [3.100000e+01, 3.300000e+01]]> : tensor<2x2xf32>
// CHECK-NEXT: %gdn = lic.gdn %conv, %beta, %gamma : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2x2xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT: %w_1 = lic.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}3.000000e+00]]], {{\[\[\[}}5.000000e+00]], {{\[\[}}7.000000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK-NEXT: %conv_1 = lic.conv2d %gdn, %w_1 {{.*}} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT: func.return %conv_1 : tensor<1x2x4x4xf32>

// CHECK-LABEL: func.func @decoder(%y: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32>
// CHECK-NEXT: %w = lic.constant dense<{{\[\[\[\[}}3.000000e+00]], {{\[\[}}0.000000e+00]]], {{\[\[\[}}0.000000e+00]], {{\[\[}}4.000000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK-NEXT: %b = lic.constant dense<[2.000000e+00, 4.000000e+00]> : tensor<2xf32>
// CHECK-NEXT: %deconv = lic.conv_transpose2d %y, %w, %b {{.*}} -> tensor<1x2x4x4xf32>
// CHECK-NEXT: %beta = lic.constant dense<[2.000000e+00, 4.000000e+00]> : tensor<2xf32>
// CHECK-NEXT: %gamma = lic.constant dense<{{\[\[}}2.200000e+01, 2.400000e+01], [4.200000e+01, 4.400000e+01]]> : tensor<2x2xf32>
// CHECK-NEXT: %igdn = lic.gdn %deconv, %beta, %gamma {inverse} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2x2xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT: %w_1 = lic.constant dense<{{\[\[\[\[}}2.000000e+00]], {{\[\[}}2.000000e+00]], {{\[\[}}2.000000e+00]]], {{\[\[\[}}4.000000e+00]], {{\[\[}}4.000000e+00]], {{\[\[}}4.000000e+00]]]]> : tensor<2x3x1x1xf32>
// CHECK-NEXT: %deconv_1 = lic.conv_transpose2d %igdn, %w_1 {{.*}} : (tensor<1x2x4x4xf32>, tensor<2x3x1x1xf32>) -> tensor<1x3x4x4xf32>
// CHECK-NEXT: func.return %deconv_1 : tensor<1x3x4x4xf32>

// ratio=0.7 leaves one channel; multiple-of=2 rounds that up to two.
// ONE: kept = {encoder.conv1 = array<i64: 2>, decoder.conv1 = array<i64: 3>}
// ONE: lic.gdn {{.*}} -> tensor<1x1x4x4xf32>
// TWO: multiple_of = 2 : i64, layers = [{layer = "encoder.conv1", before = 4 : i64, after = 2 : i64}
// TWO-SAME: kept = {encoder.conv1 = array<i64: 0, 2>, decoder.conv1 = array<i64: 1, 3>}

// REPORT: lic-prune-channels: criterion l1, ratio 0.5, multiple-of 1
// REPORT-NEXT: encoder.conv1 4 -> 2
// REPORT-NEXT: latent 2 -> 2
// REPORT-NEXT: decoder.conv1 4 -> 2
// REPORT-NEXT: MACs per frame 0.001152 M -> 0.000448 M (-61.1 %), parameters 0.088 k -> 0.036 k (-59.1 %)

func.func @encoder(%x: tensor<1x3x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = lic.constant dense<[[[[1.0]], [[0.0]], [[0.0]]], [[[0.1]], [[0.0]], [[0.0]]], [[[0.0]], [[2.0]], [[0.0]]], [[[0.0]], [[0.0]], [[0.2]]]]> : tensor<4x3x1x1xf32>
  %b = lic.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %conv = lic.conv2d %x, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x3x4x4xf32>, tensor<4x3x1x1xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %beta = lic.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %gamma = lic.constant dense<[[11.0, 12.0, 13.0, 14.0], [21.0, 22.0, 23.0, 24.0], [31.0, 32.0, 33.0, 34.0], [41.0, 42.0, 43.0, 44.0]]> : tensor<4x4xf32>
  %gdn = lic.gdn %conv, %beta, %gamma : (tensor<1x4x4x4xf32>, tensor<4xf32>, tensor<4x4xf32>) -> tensor<1x4x4x4xf32>
  %w_1 = lic.constant dense<[[[[1.0]], [[2.0]], [[3.0]], [[4.0]]], [[[5.0]], [[6.0]], [[7.0]], [[8.0]]]]> : tensor<2x4x1x1xf32>
  %conv_1 = lic.conv2d %gdn, %w_1 {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x4x4xf32>
  func.return %conv_1 : tensor<1x2x4x4xf32>
}

func.func @decoder(%y: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = lic.constant dense<[[[[0.1]], [[3.0]], [[0.2]], [[0.0]]], [[[0.0]], [[0.0]], [[0.0]], [[4.0]]]]> : tensor<2x4x1x1xf32>
  %b = lic.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %deconv = lic.conv_transpose2d %y, %w, %b {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x2x4x4xf32>, tensor<2x4x1x1xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  %beta = lic.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %gamma = lic.constant dense<[[11.0, 12.0, 13.0, 14.0], [21.0, 22.0, 23.0, 24.0], [31.0, 32.0, 33.0, 34.0], [41.0, 42.0, 43.0, 44.0]]> : tensor<4x4xf32>
  %igdn = lic.gdn %deconv, %beta, %gamma {inverse} : (tensor<1x4x4x4xf32>, tensor<4xf32>, tensor<4x4xf32>) -> tensor<1x4x4x4xf32>
  %w_1 = lic.constant dense<[[[[1.0]], [[1.0]], [[1.0]]], [[[2.0]], [[2.0]], [[2.0]]], [[[3.0]], [[3.0]], [[3.0]]], [[[4.0]], [[4.0]], [[4.0]]]]> : tensor<4x3x1x1xf32>
  %deconv_1 = lic.conv_transpose2d %igdn, %w_1 {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>, output_padding = array<i64: 0, 0>} : (tensor<1x4x4x4xf32>, tensor<4x3x1x1xf32>) -> tensor<1x3x4x4xf32>
  func.return %deconv_1 : tensor<1x3x4x4xf32>
}
