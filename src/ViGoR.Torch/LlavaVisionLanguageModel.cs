// LlavaVisionLanguageModel: the IVisionLanguageModel façade over a TorchSharp LLaVA.
//
// Seams for fine-tuning (Training/LlavaVisionLanguageModel.Training.cs adds IFineTunableVisionLanguageModel
// in another part of this partial class):
//   - Module       : LlavaForConditionalGeneration (nn.Module, Hugging Face names; named_parameters() are
//                    the state_dict keys of the pre-4.52 llava-hf layout). Module.BuildInputs(rows, pixels,
//                    labels, PaddingSide.Right) splices image features in and returns MultimodalInputs with
//                    InputsEmbeds/AttentionMask/PositionIds and Labels aligned (IGNORE_INDEX -100 at image and
//                    padding positions); Module.Logits(inputs) gives logits [B, T', V]. The tensor form
//                    forward(input_ids, pixel_values, attention_mask) exists too.
//   - Config       : LlavaModelConfig (Text/Vision settings, layout, image token id).
//   - Tokenizer    : LlavaTokenizer.EncodePrompt (tokenizer_image_token) and EncodeForTraining(prompt, answer)
//                    → ids + labels with the prompt masked; ConversationMode + ConversationTemplate.Format
//                    build the prompt text.
//   - Processor    : ClipImageProcessor.Preprocess(images, device) → [N, 3, H, W] float32.
//   - Directory    : the folder it was loaded from (and VisionTowerDirectory for original LLaVA).
//   - Gate         : a SemaphoreSlim; take it around anything that uses the module so sampling and training
//                    never run at the same time.
using ViGoR.Torch.Generation;
using ViGoR.Torch.Loading;
using ViGoR.Torch.Modeling;
using ViGoR.Torch.Processing;
using ViGoR.Torch.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace ViGoR.Torch;

/// <summary>
/// LLaVA (CLIP ViT + projector + LLaMA) on TorchSharp, loaded from a Hugging Face
/// <c>LlavaForConditionalGeneration</c> folder or an original LLaVA checkpoint. Samples k descriptions
/// per image from one shared prefill.
/// </summary>
/// <remarks>
/// Thread-safe: calls are serialised (one forward at a time per model). Tensor work runs synchronously on a
/// worker thread; cancellation is checked before every decoding step. Dispose to free the weights.
/// </remarks>
public sealed partial class LlavaVisionLanguageModel : IBatchVisionLanguageModel, IComponentIdentity, IDisposable
{
    private bool _disposed;

    private LlavaVisionLanguageModel(
        string directory,
        string? visionTowerDirectory,
        LlavaForConditionalGeneration module,
        LlavaTokenizer tokenizer,
        ClipImageProcessor processor,
        ConversationMode conversationMode)
    {
        Directory = directory;
        VisionTowerDirectory = visionTowerDirectory;
        Module = module;
        Tokenizer = tokenizer;
        ImageProcessor = processor;
        ConversationMode = conversationMode;
    }

    /// <summary>The folder the model was loaded from.</summary>
    public string Directory { get; }

    /// <summary>For original LLaVA: the CLIP folder the vision tower came from.</summary>
    public string? VisionTowerDirectory { get; }

    /// <inheritdoc />
    /// <remarks>The full path of the folder it was loaded from (and of the vision tower's, for original LLaVA).</remarks>
    public string Identity => ComponentIdentity.ForPath("llava", Directory) + (VisionTowerDirectory is null ? string.Empty : "+" + System.IO.Path.GetFullPath(VisionTowerDirectory));

    /// <summary>The TorchSharp module.</summary>
    public LlavaForConditionalGeneration Module { get; }

    /// <summary>The resolved configuration.</summary>
    public LlavaModelConfig Config => Module.Config;

    /// <summary>The tokenizer.</summary>
    public LlavaTokenizer Tokenizer { get; }

    /// <summary>The image preprocessor.</summary>
    public ClipImageProcessor ImageProcessor { get; }

    /// <summary>The prompt format used by <see cref="SampleAsync"/>.</summary>
    public ConversationMode ConversationMode { get; }

    /// <summary>Serialises use of <see cref="Module"/> (sampling, fine-tuning, saving).</summary>
    internal SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Loads a model folder.</summary>
    /// <param name="directory">A llava-hf folder (config.json with text_config/vision_config, *.safetensors, tokenizer files, preprocessor_config.json) or an original LLaVA folder.</param>
    /// <param name="options">Device, dtype, prompt format, vision tower folder.</param>
    /// <exception cref="FileNotFoundException">A required file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or does not match the model (<see cref="CheckpointLoadException"/> lists bad keys).</exception>
    public static LlavaVisionLanguageModel Load(string directory, LlavaModelOptions? options = null) =>
        Open(directory, options, (module, towerDir) => LlavaCheckpointLoader.Load(module, directory, towerDir, options?.LoadProgress));

    /// <summary>
    /// Creates a model with freshly initialised weights from the configuration and tokenizer files of a
    /// llava-hf folder that holds no weights (Hugging Face's <c>from_config</c>), to pre-train from scratch.
    /// Every weight is drawn from a generator seeded by <paramref name="seed"/>: normal with std 0.02 (the
    /// config's usual <c>initializer_range</c>), norms 1, biases 0, so the same seed gives the same model.
    /// </summary>
    /// <param name="directory">A folder with config.json, tokenizer.model (+ tokenizer_config.json, added_tokens.json) and optionally preprocessor_config.json.</param>
    /// <param name="seed">Seeds the initialisation.</param>
    /// <param name="options">Device and dtype.</param>
    /// <remarks>Save it with <see cref="SaveCheckpointAsync"/> (into this folder or another) to make a loadable checkpoint.</remarks>
    public static LlavaVisionLanguageModel CreateInitialized(string directory, long seed, LlavaModelOptions? options = null) =>
        Open(directory, options, (module, _) => module.InitializeRandom(seed));

    private static LlavaVisionLanguageModel Open(string directory, LlavaModelOptions? options, Action<LlavaForConditionalGeneration, string?> fill)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        options ??= new LlavaModelOptions();
        if (!System.IO.Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Model folder '{directory}' does not exist.");
        }

        // Turns TorchSharp's misleading native-load error (e.g. GLIBCXX_3.4.32 missing) into one that names the cause.
        TorchNativeRuntime.EnsureLoaded(options.Device?.type ?? DeviceType.CPU);
        var device = options.Device ?? (cuda.is_available() ? CUDA : CPU);
        var dtype = options.DType ?? (device.type == DeviceType.CUDA ? ScalarType.Float16 : ScalarType.Float32);
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16))
        {
            throw new ArgumentException($"dtype {dtype} is not supported: use Float32, BFloat16 or Float16.", nameof(options));
        }

        var probe = LlavaModelConfig.Load(directory);
        string? towerDir = null;
        var config = probe;
        if (probe.Layout == LlavaCheckpointLayout.OriginalLlava)
        {
            towerDir = ResolveVisionTower(directory, probe.VisionTowerName!, options.VisionTowerDirectory);
            config = LlavaModelConfig.Load(directory, towerDir);
        }

        var tokenizer = LlavaTokenizer.Load(directory, config);
        var processorConfig = ClipImageProcessorConfig.Load(directory)
            ?? (towerDir is null ? null : ClipImageProcessorConfig.Load(towerDir))
            ?? new ClipImageProcessorConfig();
        var processor = new ClipImageProcessor(processorConfig, options.PadToSquare ?? config.PadToSquare);

        var module = new LlavaForConditionalGeneration(config, device, dtype);
        try
        {
            fill(module, towerDir);
            module.eval();
        }
        catch
        {
            module.Dispose();
            throw;
        }

        var mode = options.ConversationMode ?? (config.Layout == LlavaCheckpointLayout.OriginalLlava ? ConversationMode.VicunaV1 : ConversationMode.LlavaHf);
        return new LlavaVisionLanguageModel(directory, towerDir, module, tokenizer, processor, mode);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> SampleAsync(ImageInput image, string prompt, SamplingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var result = await SampleBatchAsync([image], prompt, options, null, cancellationToken);
        return result[0];
    }

    /// <summary>
    /// Samples <see cref="SamplingOptions.NumSamples"/> answers for each image in one batch (left-padded
    /// prompts, one prefill, k rows per image decoded together). Result i belongs to image i.
    /// </summary>
    /// <param name="images">The images (decoded on a worker thread).</param>
    /// <param name="prompt">The user question; formatted with <see cref="ConversationMode"/>.</param>
    /// <param name="options">Sampling settings; a null seed draws a fresh one.</param>
    /// <param name="tokensGenerated">Reports the number of decoding steps done.</param>
    /// <param name="cancellationToken">Checked before every decoding step.</param>
    public async Task<IReadOnlyList<IReadOnlyList<string>>> SampleBatchAsync(
        IReadOnlyList<ImageInput> images,
        string prompt,
        SamplingOptions? options = null,
        IProgress<int>? tokensGenerated = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(prompt);
        ObjectDisposedException.ThrowIf(_disposed, this);
        options ??= new SamplingOptions();
        if (images.Count == 0)
        {
            return [];
        }

        var seed = options.Seed ?? Random.Shared.NextInt64();
        return await GenerateAsync(images, images.Select(_ => prompt).ToList(), null, seed, options, tokensGenerated, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>One left-padded prefill for all requests, k rows per image, each image's rows drawing from a generator seeded by its request.</remarks>
    public async Task<IReadOnlyList<IReadOnlyList<string>>> SampleBatchAsync(IReadOnlyList<SampleRequest> requests, SamplingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (requests.Count == 0)
        {
            return [];
        }

        return await GenerateAsync(requests.Select(r => r.Image).ToList(), requests.Select(r => r.Prompt).ToList(), requests.Select(r => (long)r.Seed).ToList(), 0, options ?? new SamplingOptions(), null, cancellationToken);
    }

    private async Task<IReadOnlyList<IReadOnlyList<string>>> GenerateAsync(
        IReadOnlyList<ImageInput> images,
        IReadOnlyList<string> prompts,
        IReadOnlyList<long>? seeds,
        long seed,
        SamplingOptions options,
        IProgress<int>? tokensGenerated,
        CancellationToken cancellationToken)
    {
        var settings = new GenerationSettings
        {
            NumSamples = options.NumSamples,
            Temperature = options.Temperature,
            TopP = options.TopP,
            TopK = options.TopK,
            MaxNewTokens = options.MaxNewTokens,
            Seed = seed,
            Seeds = seeds,
            EosTokenIds = Tokenizer.EosTokenIds,
        };
        var ids = prompts.Select(p => Tokenizer.EncodePrompt(ConversationTemplate.Format(ConversationMode, p))).ToList();
        await Gate.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(() =>
            {
                var pixels = images.Select(i => i.Decode()).ToList();
                using var pixelValues = ImageProcessor.Preprocess(pixels, Module.Device);
                using var output = LlavaGenerator.Generate(
                    Module,
                    ids,
                    pixelValues,
                    settings,
                    tokensGenerated is null ? null : tokensGenerated.Report,
                    cancellationToken);
                return (IReadOnlyList<IReadOnlyList<string>>)output.Tokens
                    .Select(samples => (IReadOnlyList<string>)samples.Select(s => Tokenizer.Decode(s)).ToList())
                    .ToList();
            }, cancellationToken);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// Runs tensor work that reads the model (a reward model's or a question answerer's pass) on a worker
    /// thread, under <see cref="Gate"/> and <c>no_grad</c>, so that it never overlaps sampling or training.
    /// </summary>
    internal async Task<T> RunExclusiveAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(
                () =>
                {
                    using var noGrad = no_grad();
                    return work();
                },
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Module.Dispose();
        Gate.Dispose();
    }

    private static string ResolveVisionTower(string modelDirectory, string name, string? explicitDirectory)
    {
        if (explicitDirectory is not null)
        {
            return System.IO.Directory.Exists(explicitDirectory)
                ? explicitDirectory
                : throw new DirectoryNotFoundException($"Vision tower folder '{explicitDirectory}' does not exist.");
        }

        var candidates = new List<string> { name, Path.Combine(modelDirectory, name) };
        var hubCache = Environment.GetEnvironmentVariable("HF_HUB_CACHE")
            ?? (Environment.GetEnvironmentVariable("HF_HOME") is { } home ? Path.Combine(home, "hub") : null)
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface", "hub");
        var snapshots = Path.Combine(hubCache, "models--" + name.Replace("/", "--", StringComparison.Ordinal), "snapshots");
        if (System.IO.Directory.Exists(snapshots))
        {
            candidates.AddRange(System.IO.Directory.GetDirectories(snapshots).Order(StringComparer.Ordinal));
        }

        return candidates.FirstOrDefault(c => File.Exists(Path.Combine(c, "config.json")))
            ?? throw new DirectoryNotFoundException(
                $"{Path.Combine(modelDirectory, "config.json")} names the vision tower '{name}' (mm_vision_tower), which is not a local folder nor in the Hugging Face cache ({hubCache}). " +
                "Download that CLIP model and pass its folder (LlavaModelOptions.VisionTowerDirectory, CLI --vision-tower).");
    }
}
