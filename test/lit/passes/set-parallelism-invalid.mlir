// RUN: licc-opt %s --verify-diagnostics -p 'lic-set-parallelism{device=zcu999}' | filecheck %s --check-prefix=DEVICE
// RUN: licc-opt %s --verify-diagnostics -p 'lic-set-parallelism{target-fps=10000000}' | filecheck %s --check-prefix=TARGET
// RUN: licc-opt %s --verify-diagnostics -p 'lic-set-parallelism{objective=min-resources target-fps=10000000}' | filecheck %s --check-prefix=MIN
// RUN: licc-opt %s --verify-diagnostics -p 'lic-set-parallelism{util-cap=0.0005}' | filecheck %s --check-prefix=BUDGET
// RUN: licc-opt %s --verify-diagnostics -p 'lic-set-parallelism{objective=min-resources}' | filecheck %s --check-prefix=NOTARGET
// RUN: licc-opt %s --verify-diagnostics -p 'lic-set-parallelism{objective=fastest}' | filecheck %s --check-prefix=OBJECTIVE
// RUN: licc-opt %s --verify-diagnostics -p 'lic-set-parallelism{util-cap=1.5}' | filecheck %s --check-prefix=CAP
// RUN: echo '{"layers": [{"function": "encoder", "layer": 0, "pe": 3, "simd": 9}]}' > %t.json
// RUN: licc-opt %s --verify-diagnostics -p 'lic-set-parallelism{parallelism-file="%t.json"}' | filecheck %s --check-prefix=FILE

// DEVICE: unknown device 'zcu999'; choose one of kv260, ultra96v2, zcu102, zcu104 or give the path of a board .json file

// A frame rate beyond any folding: the message names the stage that cannot go
// faster and the best the budget allows.
// TARGET: 10,000,000 FPS is out of reach for @encoder on zcu102 (200 MHz, 80% cap): the best within the budget is 3,125,000 FPS: @encoder #0 %conv (lic.conv2d) needs at least 64 cycles per frame even fully parallel
// MIN: 10,000,000 FPS is out of reach for @encoder on zcu102 (200 MHz, 80% cap): @encoder #0 %conv (lic.conv2d) needs at least 64 cycles per frame even fully parallel; the best within the budget is 3,125,000 FPS (lower target-fps, raise util-cap or pick a larger device)

// A budget too small for even the most folded design names the binding resource.
// BUDGET: no design of @encoder on zcu102 (200 MHz, 0.05% cap) fits the budget: bound by DSP (needs at least 3 of 1), BRAM18 (needs at least 1 of 0), LUT (needs at least 1,191 of 137) (raise util-cap, pick a larger device, or use narrower bit widths)

// NOTARGET: objective=min-resources needs target-fps (the frame rate to meet)
// OBJECTIVE: objective must be one of max-fps, min-resources, got 'fastest'
// CAP: util-cap must be in (0, 1], got 1.5
// FILE: @encoder #0 %conv (lic.conv2d): pe=3 is not legal (PE divides the 8 output channels); choose one of 1, 2, 4, 8

func.func @encoder(%x: tensor<1x3x16x16xf32>) -> tensor<1x8x8x8xf32> {
  %w = lic.constant dense<0.5> : tensor<8x3x3x3xf32>
  %conv = lic.conv2d %x, %w {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : (tensor<1x3x16x16xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x8x8xf32>
  %beta = lic.constant dense<1.0> : tensor<8xf32>
  %gamma = lic.constant dense<0.1> : tensor<8x8xf32>
  %gdn = lic.gdn %conv, %beta, %gamma : (tensor<1x8x8x8xf32>, tensor<8xf32>, tensor<8x8xf32>) -> tensor<1x8x8x8xf32>
  func.return %gdn : tensor<1x8x8x8xf32>
}
