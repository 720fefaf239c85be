// RUN: licc-opt %s -p 'lic-set-parallelism{device=ultra96v2}' | filecheck %s
// RUN: licc-opt %s -p 'lic-set-parallelism{device=ultra96v2 objective=min-resources target-fps=2000}' | filecheck %s --check-prefix=SLOW
// RUN: licc-opt %s -p 'lic-set-parallelism{device=ultra96v2 max-mmv=1}' | filecheck %s --check-prefix=NOMMV
// RUN: echo '{"layers": [{"function": "encoder", "layer": 0, "pe": 2, "simd": 9, "ram_style": "lutram"}, {"function": "encoder", "layer": 1, "pe": 1, "simd": 1, "mmv": 2, "ram_style": "bram"}]}' > %t.json
// RUN: licc-opt %s -p 'lic-set-parallelism{device=zcu102 parallelism-file="%t.json"}' | filecheck %s --check-prefix=FILE

// The folding of each conv and GDN (PE × SIMD, MMV pixels for GDN, the
// weight memory) and its estimated cycles and resources become properties;
// the module records the device, the clock, the cycle target and the FPS.
// The ReLU's lanes are derived from the target, so it gets no knobs.

// CHECK:       builtin.module attributes {lic.hw = {device = "ultra96v2", part = "xczu3eg-sbva484-1-i", clock_mhz = 1.500000e+02 : f64, util_cap = 8.000000e-01 : f64, scope = "joint", objective = "max-fps", ram_styles = "bram,lutram", max_mmv = 8 : i64, target_cycles = {encoder = [[T:[0-9]+]] : i64}, fps = {encoder = {{.*}} : f64}}}
// CHECK:       lic.conv2d %x, %w {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>, pe = {{[0-9]+}} : i64, simd = {{[0-9]+}} : i64, ram_style = "{{bram|lutram}}", cost = {cycles = [[T]] : i64, dsp = {{[0-9]+}} : i64, bram18 = {{[0-9]+}} : i64, uram = 0 : i64, lut = {{[0-9]+}} : i64, ff = {{[0-9]+}} : i64}}
// CHECK:       lic.gdn %conv, %beta, %gamma {pe = {{[0-9]+}} : i64, simd = {{[0-9]+}} : i64, mmv = {{[0-9]+}} : i64, ram_style = "{{bram|lutram}}", cost = {cycles = {{[0-9]+}} : i64
// CHECK:       lic.relu %gdn : tensor<1x8x8x8xf32>

// max-mmv=1 keeps every GDN at one pixel per step.
// NOMMV:       max_mmv = 1 : i64
// NOMMV:       lic.gdn {{.*}}mmv = 1 : i64

// At 2000 FPS (75,000 cycles at 150 MHz) the least-cost design folds everything.
// SLOW:        objective = "min-resources"
// SLOW-SAME:   target_cycles = {encoder = 75000 : i64}
// SLOW:        lic.conv2d {{.*}}pe = 1 : i64, simd = 1 : i64, ram_style = "lutram", cost = {cycles = 13824 : i64, dsp = 1 : i64
// SLOW:        lic.gdn {{.*}}pe = 1 : i64, simd = 1 : i64, mmv = 1 : i64, ram_style = "lutram", cost = {cycles = 4096 : i64

// A hand-written parallelism file is applied as it is.
// FILE:        objective = "file"
// FILE:        lic.conv2d {{.*}}pe = 2 : i64, simd = 9 : i64, ram_style = "lutram", cost = {cycles = 768 : i64, dsp = 9 : i64
// FILE:        lic.gdn {{.*}}pe = 1 : i64, simd = 1 : i64, mmv = 2 : i64, ram_style = "bram", cost = {cycles = 2048 : i64

func.func @encoder(%x: tensor<1x3x16x16xf32>) -> tensor<1x8x8x8xf32> {
  %w = lic.constant dense<0.5> : tensor<8x3x3x3xf32>
  %conv = lic.conv2d %x, %w {stride = array<i64: 2, 2>, padding = array<i64: 1, 1>} : (tensor<1x3x16x16xf32>, tensor<8x3x3x3xf32>) -> tensor<1x8x8x8xf32>
  %beta = lic.constant dense<1.0> : tensor<8xf32>
  %gamma = lic.constant dense<0.1> : tensor<8x8xf32>
  %gdn = lic.gdn %conv, %beta, %gamma : (tensor<1x8x8x8xf32>, tensor<8xf32>, tensor<8x8xf32>) -> tensor<1x8x8x8xf32>
  %relu = lic.relu %gdn : tensor<1x8x8x8xf32>
  func.return %relu : tensor<1x8x8x8xf32>
}
