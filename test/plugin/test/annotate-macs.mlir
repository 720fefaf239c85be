// RUN: licc-opt %s -p 'example-annotate-macs{min-macs=100}' | filecheck %s

// A pass from an out-of-tree package (test/plugin) joins licc-opt through the
// licc.passes entry point; small layers stay unannotated.

func.func @f(%x: tensor<1x2x8x8xf32>) -> tensor<1x1x4x4xf32> {
  %w = lic.constant dense<0.5> : tensor<3x2x3x3xf32>
  // CHECK: lic.conv2d %{{.*}}, %{{.*}} {macs = 864 : i64, stride = array<i64: 2, 2>, padding = array<i64: 1, 1>}
  %y = lic.conv2d %x, %w {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : (tensor<1x2x8x8xf32>, tensor<3x2x3x3xf32>) -> tensor<1x3x4x4xf32>
  %beta = lic.constant dense<1.0> : tensor<3xf32>
  %gamma = lic.constant dense<0.1> : tensor<3x3xf32>
  // CHECK: lic.gdn %{{.*}}, %{{.*}}, %{{.*}} {macs = 144 : i64}
  %g = lic.gdn %y, %beta, %gamma : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3x3xf32>) -> tensor<1x3x4x4xf32>
  %w1 = lic.constant dense<0.5> : tensor<1x3x1x1xf32>
  // CHECK: lic.conv2d %{{.*}}, %{{.*}} {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} :
  %z = lic.conv2d %g, %w1 {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x3x4x4xf32>, tensor<1x3x1x1xf32>) -> tensor<1x1x4x4xf32>
  func.return %z : tensor<1x1x4x4xf32>
}
