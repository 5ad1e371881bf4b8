using TorchSharp;
using TorchSharp.Modules;
using ViGoR.ShapesWorld;
using ViGoR.Torch;
using static TorchSharp.torch;

namespace ViGoR.Cli.Demo.TinyModel;

/// <summary>Settings of the "CLIP" stage: the vision tower's clean, supervised pre-training.</summary>
internal sealed record VisionPretrainingSettings
{
    /// <summary>The ShapesWorld seed of the stage's scenes (fresh scenes every step; the demo's splits use other seeds).</summary>
    public int WorldSeed { get; init; } = 110;

    /// <summary>Optimizer steps; each sees <see cref="BatchSize"/> new scenes.</summary>
    public int Steps { get; init; } = 6000;

    public int BatchSize { get; init; } = 32;

    public double LearningRate { get; init; } = 2e-3;
}

/// <summary>
/// The tiny model's "CLIP" stage. LLaVA's vision tower is CLIP ViT-L/14, trained on clean image-text
/// pairs at scale and then frozen; LLaVA's hallucinations come from its instruction data's priors, not from
/// a tower that cannot see. A tower trained from scratch through noisy captions learns to see only as
/// far as the captions reward it (a linear probe found mean AUC 0.876), so this stage trains it first on
/// ShapesWorld's ground truth, which is clean by construction.
/// </summary>
/// <remarks>
/// Supervision is multi-label rather than contrastive: the ground truth is structured, and a contrastive
/// loss would need a text tower and large batches to learn what the labels state directly. Two heads read
/// the hidden state LLaVA's projector reads (<c>vision_feature_layer</c>): the mean of the patch tokens
/// predicts which categories are present (binary cross-entropy), and each patch token predicts the kind,
/// colour and size of the object covering its centre (cross-entropy; "none" for background). Patch-level
/// targets keep position in the features, which counts and relations need. The heads are discarded; only
/// the tower's weights stay.
/// </remarks>
internal static class VisionTowerPretraining
{
    private static readonly Dictionary<ObjectKind, int> KindIndex = ShapesWorldKinds.All.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => x.i);

    public static void Run(LlavaVisionLanguageModel model, VisionPretrainingSettings settings, IProgress<(int Step, int Total, double Loss)>? progress, CancellationToken cancellationToken)
    {
        var module = model.Module;
        var device = module.Device;
        var config = module.Config;
        int hidden = config.Vision.HiddenSize, grid = config.Vision.ImageSize / config.Vision.PatchSize, kinds = ShapesWorldKinds.All.Count;
        var colours = ShapesWorldKinds.Palette.Keys.ToList();
        torch.manual_seed(settings.WorldSeed);
        using var presence = nn.Linear(hidden, kinds, device: device, dtype: module.DType);
        using var patchHead = nn.Linear(hidden, (kinds + 1) + (colours.Count + 1) + 3, device: device, dtype: module.DType);
        var tower = module.VisionTower.parameters().ToList();
        foreach (var p in tower)
        {
            p.requires_grad = true;
        }

        var parameters = module.VisionTower.named_parameters()
            .Concat(presence.named_parameters().Select(p => ("presence." + p.name, p.parameter)))
            .Concat(patchHead.named_parameters().Select(p => ("patch." + p.name, p.parameter)))
            .ToList();

        // The library's AdamW (PyTorch's arithmetic, betas 0.9 / 0.999, eps 1e-8): its moments are made
        // here, outside the per-step dispose scope. TorchSharp's optimizer crashed this loop after some
        // hundred steps with a corrupted native scalar.
        using var optimizer = new ViGoR.Torch.Training.AdamW(parameters, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01);
        int warmup = Math.Max(1, settings.Steps / 20);
        for (int step = 0; step < settings.Steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var scenes = Enumerable.Range(step * settings.BatchSize, settings.BatchSize).Select(i => ShapesWorldGenerator.Generate(settings.WorldSeed, i, config.Vision.ImageSize)).ToList();
            var (present, patchKind, patchColour, patchSize) = Targets(scenes, grid, config.Vision.PatchSize, colours);
            var pixels = model.ImageProcessor.Preprocess(scenes.Select(s => s.Image).ToList(), device).to(module.DType);
            using var guard = ViGoR.Torch.NativeScalarRace.Enter();
            var states = module.VisionTower.HiddenStates(pixels, config.VisionFeatureLayers);
            var patches = states.narrow(1, 1, states.shape[1] - 1); // [B, grid², hidden]
            var loss = nn.functional.binary_cross_entropy_with_logits(presence.call(patches.mean([1])), tensor(present, [scenes.Count, kinds], device: device).to(module.DType));
            var logits = patchHead.call(patches).reshape(-1, (kinds + 1) + (colours.Count + 1) + 3);
            loss += nn.functional.cross_entropy(logits.narrow(1, 0, kinds + 1), tensor(patchKind, device: device));
            loss += nn.functional.cross_entropy(logits.narrow(1, kinds + 1, colours.Count + 1), tensor(patchColour, device: device));
            loss += nn.functional.cross_entropy(logits.narrow(1, kinds + colours.Count + 2, 3), tensor(patchSize, device: device));
            foreach (var (_, p) in parameters)
            {
                p.grad?.zero_();
            }

            loss.backward();
            double scale = step < warmup ? (step + 1.0) / warmup : 0.5 * (1 + Math.Cos(Math.PI * (step - warmup) / Math.Max(1, settings.Steps - warmup)));
            optimizer.Update(settings.LearningRate * scale);
            progress?.Report((step + 1, settings.Steps, loss.item<float>()));
        }

        foreach (var p in tower)
        {
            p.requires_grad = false;
        }
    }

    /// <summary>
    /// The presence probe of <paramref name="model"/>'s tower: fitted on <paramref name="fit"/>'s pooled
    /// features, scored on <paramref name="held"/>'s (what <c>vigor probe</c>, the pre-training record and
    /// the demo's calibration report).
    /// </summary>
    public static ProbeResult Probe(LlavaVisionLanguageModel model, IReadOnlyList<Scene> fit, IReadOnlyList<Scene> held) =>
        PresenceProbe.Evaluate(PooledFeatures(model, fit), fit, PooledFeatures(model, held), held);

    /// <summary>
    /// Each scene's pooled patch features at the layer LLaVA reads (the probe's input): what a linear
    /// read-out of the tower can know about the scene as a whole.
    /// </summary>
    public static List<float[]> PooledFeatures(LlavaVisionLanguageModel model, IReadOnlyList<Scene> scenes)
    {
        var module = model.Module;
        var result = new List<float[]>(scenes.Count);
        using var noGrad = no_grad();
        for (int start = 0; start < scenes.Count; start += 64)
        {
            using var scope = NewDisposeScope();
            var batch = scenes.Skip(start).Take(64).Select(s => s.Image).ToList();
            var states = module.VisionTower.HiddenStates(model.ImageProcessor.Preprocess(batch, module.Device).to(module.DType), module.Config.VisionFeatureLayers);
            var pooled = states.narrow(1, 1, states.shape[1] - 1).mean([1]).to(ScalarType.Float32).cpu();
            var flat = pooled.data<float>().ToArray();
            int d = (int)pooled.shape[1];
            for (int i = 0; i < batch.Count; i++)
            {
                result.Add(flat.AsSpan(i * d, d).ToArray());
            }
        }

        return result;
    }

    // Presence per category; per patch, the kind / colour / size (1 small, 2 large) of the object whose box
    // covers the patch centre, 0 for background.
    private static (float[] Present, long[] Kind, long[] Colour, long[] Size) Targets(List<Scene> scenes, int grid, int patch, List<string> colours)
    {
        int kinds = ShapesWorldKinds.All.Count;
        var present = new float[scenes.Count * kinds];
        var kind = new long[scenes.Count * grid * grid];
        var colour = new long[kind.Length];
        var size = new long[kind.Length];
        for (int s = 0; s < scenes.Count; s++)
        {
            foreach (var o in scenes[s].Objects)
            {
                int k = KindIndex[o.Kind];
                present[(s * kinds) + k] = 1;
                for (int gy = 0; gy < grid; gy++)
                {
                    for (int gx = 0; gx < grid; gx++)
                    {
                        double cx = (gx * patch) + (patch / 2.0), cy = (gy * patch) + (patch / 2.0);
                        if (cx >= o.X && cx < o.X + o.Width && cy >= o.Y && cy < o.Y + o.Height)
                        {
                            int at = (s * grid * grid) + (gy * grid) + gx;
                            kind[at] = k + 1;
                            colour[at] = colours.IndexOf(o.Colour) + 1;
                            size[at] = o.Large ? 2 : 1;
                        }
                    }
                }
            }
        }

        return (present, kind, colour, size);
    }
}
