using System.Text.Json;
using System.Text.Json.Serialization;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ViGoR.Torch.Training;

/// <summary>
/// The resumable state in a checkpoint's <c>trainer_state.json</c>: where the run is and what it was
/// started with, so a resume continues the same run or refuses with the differences named.
/// </summary>
internal sealed class TrainerState
{
    [JsonPropertyName("format")] public int Format { get; set; } = 1;

    [JsonPropertyName("global_step")] public int GlobalStep { get; set; }

    [JsonPropertyName("total_steps")] public int TotalSteps { get; set; }

    [JsonPropertyName("epoch")] public int Epoch { get; set; }

    [JsonPropertyName("last_loss")] public double LastLoss { get; set; }

    /// <summary>Seed of the data order (per-epoch shuffles) and of the per-step dropout generators.</summary>
    [JsonPropertyName("seed")] public int Seed { get; set; }

    /// <summary>SHA-256 over the examples in order (e.g. image id, prompt, target).</summary>
    [JsonPropertyName("data_fingerprint")] public string DataFingerprint { get; set; } = string.Empty;

    /// <summary>Settings that change the result; a resume must match them all (micro-batch size is free: it only trades memory for speed).</summary>
    [JsonPropertyName("settings")] public SortedDictionary<string, string> Settings { get; set; } = new(StringComparer.Ordinal);

    [JsonPropertyName("loss_history")] public List<double> LossHistory { get; set; } = [];

    /// <summary>Float16 training: the dynamic loss scale for the next step (null otherwise).</summary>
    [JsonPropertyName("loss_scale")] public double? LossScale { get; set; }

    /// <summary>Float16 training: steps since the loss scale last changed without an overflow.</summary>
    [JsonPropertyName("loss_scale_good_steps")] public int LossScaleGoodSteps { get; set; }

    /// <summary>Float16 training: optimizer steps skipped because their gradients overflowed.</summary>
    [JsonPropertyName("skipped_steps")] public int SkippedSteps { get; set; }
}

/// <summary>
/// Checkpoints under a run directory: <c>checkpoint-{step}/</c> holds the model files (written by the
/// target) and <c>trainer/</c> with <c>trainable.safetensors</c> (the optimized parameters by name),
/// <c>optimizer.safetensors</c> (AdamW moments) and <c>trainer_state.json</c>. A checkpoint is built in a
/// hidden temporary folder and renamed into place, then the <c>latest</c> file (written atomically)
/// points at it; a crash at any moment leaves the previous checkpoint intact.
/// </summary>
internal static class TrainingCheckpoints
{
    public const string LatestFile = "latest";
    public const string TrainerFolder = "trainer";
    public const string TrainableFile = "trainable.safetensors";
    public const string OptimizerFile = "optimizer.safetensors";
    public const string StateFile = "trainer_state.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public const string LockFile = ".lock";

    /// <summary>
    /// Takes the run directory for this process (an exclusive lock on <c>.lock</c>, released on dispose or
    /// process exit), so two runs never write checkpoints into the same folder.
    /// </summary>
    /// <exception cref="InvalidOperationException">Another run holds the folder.</exception>
    public static IDisposable Lock(string root)
    {
        Directory.CreateDirectory(root);
        var path = Path.Combine(root, LockFile);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new InvalidOperationException($"Another fine-tuning run is using {root} (it holds {path}). Wait for it to finish, stop it, or use another checkpoint directory.", e);
        }
    }

    /// <summary>The latest complete checkpoint folder under <paramref name="root"/>, or null.</summary>
    public static string? FindLatest(string root)
    {
        var latest = Path.Combine(root, LatestFile);
        if (!File.Exists(latest))
        {
            return null;
        }

        var name = File.ReadAllText(latest).Trim();
        var folder = Path.Combine(root, name);
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || !File.Exists(Path.Combine(folder, TrainerFolder, StateFile)))
        {
            throw new InvalidDataException($"{latest} names '{name}', which is not a complete checkpoint folder under {root}.");
        }

        return folder;
    }

    public static TrainerState ReadState(string checkpoint)
    {
        var path = Path.Combine(checkpoint, TrainerFolder, StateFile);
        try
        {
            return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Streams the tensors of a checkpoint file (each disposed after its call).</summary>
    public static void ForEachTensor(string file, Action<string, Tensor> sink) =>
        Loading.LlavaCheckpointLoader.ForEachTensor(file, sink, CancellationToken.None);

    /// <summary>Writes a checkpoint for <paramref name="state"/>.GlobalStep and points <c>latest</c> at it; keeps the newest <paramref name="keep"/>.</summary>
    public static string Save(
        string root,
        TrainerState state,
        Action<string> writeModel,
        IReadOnlyList<KeyValuePair<string, Tensor>> trainable,
        IReadOnlyList<KeyValuePair<string, Tensor>> optimizer,
        int keep,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(root);
        var name = $"checkpoint-{state.GlobalStep}";
        var temp = Path.Combine(root, $".{name}.tmp");
        if (Directory.Exists(temp))
        {
            Directory.Delete(temp, recursive: true);
        }

        Directory.CreateDirectory(Path.Combine(temp, TrainerFolder));
        writeModel(temp);
        if (trainable.Count > 0)
        {
            // Only what the model folder does not already hold: each tensor is stored once.
            SafetensorsWriter.Write(Path.Combine(temp, TrainerFolder, TrainableFile), trainable, cancellationToken);
        }

        SafetensorsWriter.Write(Path.Combine(temp, TrainerFolder, OptimizerFile), optimizer, cancellationToken);
        AtomicFile.WriteAllText(Path.Combine(temp, TrainerFolder, StateFile), JsonSerializer.Serialize(state, Json));

        var final = Path.Combine(root, name);
        if (Directory.Exists(final))
        {
            Directory.Delete(final, recursive: true);
        }

        Directory.Move(temp, final);
        AtomicFile.WriteAllText(Path.Combine(root, LatestFile), name);

        var old = Directory.GetDirectories(root, "checkpoint-*")
            .Select(d => (Dir: d, Step: int.TryParse(Path.GetFileName(d)["checkpoint-".Length..], out var s) ? s : -1))
            .Where(x => x.Step >= 0 && x.Step != state.GlobalStep)
            .OrderByDescending(x => x.Step)
            .Skip(keep - 1);
        foreach (var (dir, _) in old)
        {
            Directory.Delete(dir, recursive: true);
        }

        return final;
    }
}
