using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace ViGoR.Torch.Tests;

/// <summary>Paths of the tiny checkpoints written by scripts/generate_tiny_llava.py, and its reference outputs.</summary>
internal static class TinyLlava
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "Fixtures", "TinyLlava");

    public static string HuggingFace => Path.Combine(Root, "hf");

    public static string HuggingFaceNew => Path.Combine(Root, "hf-new");

    public static string Original => Path.Combine(Root, "original");

    public static string Clip => Path.Combine(Root, "clip");

    public static string Image(int i) => Path.Combine(Root, $"image{i}.png");

    public static string Config(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Configs", name);

    private static readonly Lazy<Dictionary<string, Tensor>> Reference = new(() =>
        Safetensors.LoadStateDict(Path.Combine(Root, "reference.safetensors")).ToDictionary(kv => kv.Key, kv => kv.Value.DetachFromDisposeScope()));

    /// <summary>A reference tensor (float32 unless it holds ids).</summary>
    public static Tensor Ref(string name) => Reference.Value[name];

    public static long[] RefIds(string name) => Reference.Value[name].to(ScalarType.Int64).data<long>().ToArray();

    public static LlavaVisionLanguageModel Load(string directory, ViGoR.Torch.Tokenization.ConversationMode? mode = null) =>
        LlavaVisionLanguageModel.Load(directory, new LlavaModelOptions
        {
            Device = CPU,
            DType = ScalarType.Float32,
            VisionTowerDirectory = directory == Original ? Clip : null,
            ConversationMode = mode,
        });
}
