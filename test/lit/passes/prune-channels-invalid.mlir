// RUN: licc-opt %s --verify-diagnostics -p 'lic-prune-channels{ratio=1.0 measure=false}' | filecheck %s --check-prefix=RATIO
// RUN: licc-opt %s --verify-diagnostics -p 'lic-prune-channels{ratio=-0.25 measure=false}' | filecheck %s --check-prefix=NEGATIVE
// RUN: licc-opt %s --verify-diagnostics -p 'lic-prune-channels{criterion=random measure=false}' | filecheck %s --check-prefix=CRITERION
// RUN: licc-opt %s --verify-diagnostics -p 'lic-prune-channels{multiple-of=8 measure=false}' | filecheck %s --check-prefix=MULTIPLE
// RUN: licc-opt %s --verify-diagnostics -p 'lic-prune-channels{multiple-of=0 measure=false}' | filecheck %s --check-prefix=ZERO
// RUN: licc-opt %s --verify-diagnostics -p 'lic-prune-channels{criterion=latent keep-latent=true measure=false}' | filecheck %s --check-prefix=CONTRADICT
// RUN: echo '{"encoder.conv9": 0.5}' > %t.unknown.json
// RUN: licc-opt %s --verify-diagnostics -p 'lic-prune-channels{ratios="%t.unknown.json" measure=false}' | filecheck %s --check-prefix=UNKNOWN
// RUN: echo '{"encoder.conv2": 0.5}' > %t.latent.json
// RUN: licc-opt %s --verify-diagnostics -p 'lic-prune-channels{ratios="%t.latent.json" measure=false}' | filecheck %s --check-prefix=PRODUCER
// RUN: echo '{"latent": 0.5}' > %t.kept.json
// RUN: licc-opt %s --verify-diagnostics -p 'lic-prune-channels{ratios="%t.kept.json" measure=false}' | filecheck %s --check-prefix=KEPT
// RUN: echo '{"encoder.conv1": 1.5}' > %t.value.json
// RUN: licc-opt %s --verify-diagnostics -p 'lic-prune-channels{ratios="%t.value.json" measure=false}' | filecheck %s --check-prefix=VALUE
// RUN: echo '[0.5]' > %t.list.json
// RUN: licc-opt %s --verify-diagnostics -p 'lic-prune-channels{ratios="%t.list.json" measure=false}' | filecheck %s --check-prefix=OBJECT
// RUN: licc-opt %s --verify-diagnostics -p 'lic-prune-channels{ratios="/nonexistent/ratios.json" measure=false}' | filecheck %s --check-prefix=MISSING

// RATIO: lic-prune-channels: ratio must be in [0, 1), the fraction of channels to remove, got 1.0
// NEGATIVE: lic-prune-channels: ratio must be in [0, 1), the fraction of channels to remove, got -0.25
// CRITERION: lic-prune-channels: criterion must be one of l1, l2, gdn, latent, got 'random'
// MULTIPLE: lic-prune-channels: multiple-of=8 is larger than layer encoder.conv1 (4 channels); choose at most 4
// ZERO: lic-prune-channels: multiple-of must be at least 1, got 0
// CONTRADICT: lic-prune-channels: criterion=latent prunes the latent, so it cannot go with keep-latent=true
// UNKNOWN: lic-prune-channels: ratios file {{.*}}unknown.json names unknown layer 'encoder.conv9'; the prunable layers are encoder.conv1, latent
// PRODUCER: lic-prune-channels: ratios file {{.*}}latent.json names layer 'encoder.conv2', which cannot be pruned on its own: its output channels are the latent: name it 'latent'
// KEPT: lic-prune-channels: ratios file {{.*}}kept.json prunes latent, but the latents are kept; pass keep-latent=false
// VALUE: lic-prune-channels: the ratio of encoder.conv1 in {{.*}}value.json must be in [0, 1), the fraction of channels to remove, got 1.5
// OBJECT: lic-prune-channels: ratios file {{.*}}list.json must hold an object {"layer": ratio, …}
// MISSING: lic-prune-channels: cannot read the ratios file /nonexistent/ratios.json (No such file or directory)

func.func @encoder(%x: tensor<1x3x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = lic.constant dense<1.0> : tensor<4x3x1x1xf32>
  %conv = lic.conv2d %x, %w {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x3x4x4xf32>, tensor<4x3x1x1xf32>) -> tensor<1x4x4x4xf32>
  %beta = lic.constant dense<1.0> : tensor<4xf32>
  %gamma = lic.constant dense<0.1> : tensor<4x4xf32>
  %gdn = lic.gdn %conv, %beta, %gamma : (tensor<1x4x4x4xf32>, tensor<4xf32>, tensor<4x4xf32>) -> tensor<1x4x4x4xf32>
  %w_1 = lic.constant dense<1.0> : tensor<2x4x1x1xf32>
  %conv_1 = lic.conv2d %gdn, %w_1 {stride = array<i64: 1, 1>, padding = array<i64: 0, 0>} : (tensor<1x4x4x4xf32>, tensor<2x4x1x1xf32>) -> tensor<1x2x4x4xf32>
  func.return %conv_1 : tensor<1x2x4x4xf32>
}
