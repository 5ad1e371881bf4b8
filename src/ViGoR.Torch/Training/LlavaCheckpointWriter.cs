using ViGoR.Torch.Loading;
using ViGoR.Torch.Modeling;
using static TorchSharp.torch;

namespace ViGoR.Torch.Training;

/// <summary>
/// Writes a LLaVA model folder that <see cref="LlavaVisionLanguageModel.Load"/> (and Hugging Face) read
/// back: the weights as safetensors in the layout the model was loaded from (llava-hf
/// <c>language_model.model.*</c> names, or original LLaVA <c>model.*</c> / <c>model.mm_projector.*</c>),
/// sharded at 5 GB with an index, LoRA adapters merged in (and also saved as a PEFT adapter), plus every
/// config and tokenizer file of the source folder. Each file is written atomically.
/// </summary>
internal static class LlavaCheckpointWriter
{
    public static void Write(LlavaVisionLanguageModel model, string directory, LoraAdapters? lora, CancellationToken cancellationToken, long maxShardBytes = SafetensorsWriter.DefaultMaxShardBytes)
    {
        Directory.CreateDirectory(directory);
        var layout = model.Config.Layout;
        using var scope = NewDisposeScope();
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, p) in model.Module.named_parameters())
        {
            var key = FileKey(name, layout, model.Config.ProjectorIsMlp);
            if (key is null)
            {
                continue;
            }

            var mapped = LlavaCheckpointLoader.Map(key, layout, clip: false);
            if (mapped != name)
            {
                throw new InvalidOperationException($"Cannot save '{name}': it would be written as '{key}', which loads back as '{mapped ?? "(skipped)"}'.");
            }

            Tensor value = p;
            if (lora is not null && name.EndsWith(".weight", StringComparison.Ordinal))
            {
                value = lora.MergedWeight(name[..^".weight".Length]) ?? p;
            }

            tensors.Add(new(key, value));
        }

        var written = SafetensorsWriter.WriteModel(directory, tensors, maxShardBytes, cancellationToken).ToHashSet(StringComparer.Ordinal);
        if (lora is not null)
        {
            // The projector trains fully beside the adapters (LLaVA-1.5's LoRA recipe): PEFT's modules_to_save.
            var projector = model.Module.named_parameters()
                .Where(p => p.name.StartsWith(LlavaTrainingTarget.ProjectorPrefix, StringComparison.Ordinal) && p.parameter.requires_grad)
                .Select(p => (p.name[LlavaTrainingTarget.ProjectorPrefix.Length..], (Tensor)p.parameter))
                .ToList();
            var modulesToSave = projector.Count > 0
                ? new Dictionary<string, IReadOnlyList<(string Name, Tensor Tensor)>> { [LlavaTrainingTarget.ProjectorPrefix.TrimEnd('.')] = projector }
                : null;
            lora.SaveAdapter(directory, model.Directory, modulesToSave, cancellationToken);
            written.UnionWith(["adapter_model.safetensors", "adapter_config.json"]);
        }

        RemoveStaleWeights(directory, written);

        CopySupportFiles(model.Directory, directory);
    }

    /// <summary>
    /// The key a parameter is stored under. Original LLaVA checkpoints do not hold the CLIP tower (it is
    /// loaded from its own folder), so for that layout the tower is not written.
    /// </summary>
    internal static string? FileKey(string name, LlavaCheckpointLayout layout, bool projectorIsMlp)
    {
        if (layout != LlavaCheckpointLayout.OriginalLlava)
        {
            return name;
        }

        return name.StartsWith("vision_tower.", StringComparison.Ordinal) ? null
            : Swap(name, "multi_modal_projector.linear_1.", projectorIsMlp ? "model.mm_projector.0." : "model.mm_projector.")
            ?? Swap(name, "multi_modal_projector.linear_2.", "model.mm_projector.2.")
            ?? Swap(name, "language_model.model.", "model.")
            ?? Swap(name, "language_model.lm_head.", "lm_head.")
            ?? name;
    }

    /// <summary>
    /// Deletes weight files of an earlier save into the same folder (e.g. the shards and index of a
    /// sharded model now saved as one file), which the loader would otherwise prefer or mix in.
    /// </summary>
    private static void RemoveStaleWeights(string directory, HashSet<string> written)
    {
        foreach (var file in Directory.GetFiles(directory))
        {
            var name = Path.GetFileName(file);
            bool weights = (name.StartsWith("model", StringComparison.Ordinal) && (name.EndsWith(".safetensors", StringComparison.Ordinal) || name == "model.safetensors.index.json"))
                || name.StartsWith("pytorch_model", StringComparison.Ordinal)
                || name is "adapter_model.safetensors" or "adapter_config.json";
            if (weights && !written.Contains(name))
            {
                File.Delete(file);
            }
        }
    }

    private static string? Swap(string name, string prefix, string with) =>
        name.StartsWith(prefix, StringComparison.Ordinal) ? with + name[prefix.Length..] : null;

    private static void CopySupportFiles(string source, string destination)
    {
        if (Path.GetFullPath(source) == Path.GetFullPath(destination))
        {
            return;
        }

        foreach (var file in Directory.GetFiles(source))
        {
            var name = Path.GetFileName(file);
            bool weights = name.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".bin", StringComparison.OrdinalIgnoreCase)
                || name.EndsWith(".pt", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".pth", StringComparison.OrdinalIgnoreCase)
                || name.EndsWith(".index.json", StringComparison.OrdinalIgnoreCase) || name == "adapter_config.json";
            if (!weights)
            {
                AtomicFile.Copy(file, Path.Combine(destination, name));
            }
        }
    }
}
