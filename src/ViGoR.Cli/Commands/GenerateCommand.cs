using System.ComponentModel;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Torch;
using ViGoR.Torch.Tokenization;
using static TorchSharp.torch;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor generate</c>: samples k descriptions per image from a LLaVA folder into JSON Lines
/// (<c>{"image", "prompt", "samples"}</c>) through a <see cref="RecordingVisionLanguageModel"/>, which
/// appends one line per image so that a rerun skips the images already done (a torn last line from a
/// crash is dropped and redone).
/// </summary>
internal sealed class GenerateCommand : AsyncCommand<GenerateCommand.Settings>
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"];

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <DIR>")]
        [Description("LLaVA folder: llava-hf (config.json with text_config/vision_config) or original LLaVA.")]
        public string Model { get; init; } = "";

        [CommandOption("--images <PATH>")]
        [Description("A folder of images, one image file, or JSON Lines of {\"image\": path, \"id\"?: ..., \"prompt\"?: ...} (paths relative to the file).")]
        public string Images { get; init; } = "";

        [CommandOption("--prompt <TEXT>")]
        [Description("The question for every image (JSON Lines items may carry their own).")]
        public string? Prompt { get; init; }

        [CommandOption("-k|--num-samples <K>")]
        [Description("Samples per image (default 5, the ViGoR paper's k).")]
        public int NumSamples { get; init; } = 5;

        [CommandOption("--temperature <T>")]
        [Description("Sampling temperature; 0 = greedy (default 0.7).")]
        public float Temperature { get; init; } = 0.7f;

        [CommandOption("--top-p <P>")]
        [Description("Nucleus mass in (0, 1]] (default 1 = off).")]
        public float TopP { get; init; } = 1f;

        [CommandOption("--max-new-tokens <N>")]
        [Description("Most tokens per sample (default 512).")]
        public int MaxNewTokens { get; init; } = 512;

        [CommandOption("--conv-mode <MODE>")]
        [Description("vicuna_v1 | llava_v1 | llava_hf. Default: llava_hf for llava-hf folders, vicuna_v1 for original LLaVA.")]
        public string? ConvMode { get; init; }

        [CommandOption("--seed <S>")]
        [Description("Seed; each image's seed derives from S and its id as vigor run derives it (round 0), so its texts do not depend on --batch-size and run --samples replays what run --model --seed S would sample. Default: random.")]
        public int? Seed { get; init; }

        [CommandOption("--batch-size <N>")]
        [Description("Images per forward pass (left-padded batch, prompts may differ; default 1).")]
        public int BatchSize { get; init; } = 1;

        [CommandOption("--device <DEVICE>")]
        [Description("cpu | cuda | cuda:N. Default: cuda if available, else cpu.")]
        public string? Device { get; init; }

        [CommandOption("--dtype <DTYPE>")]
        [Description("float32 | bfloat16 | float16. Default: float32 on CPU, float16 on CUDA.")]
        public string? DType { get; init; }

        [CommandOption("--vision-tower <DIR>")]
        [Description("Original LLaVA only: the local CLIP folder its mm_vision_tower names.")]
        public string? VisionTower { get; init; }

        [CommandOption("--out <FILE>")]
        [Description("Output JSON Lines; existing lines are kept and their images skipped.")]
        public string Out { get; init; } = "";

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Model) || string.IsNullOrWhiteSpace(Images) || string.IsNullOrWhiteSpace(Out))
            {
                return ValidationResult.Error("--model, --images and --out are required.");
            }

            if (NumSamples < 1 || BatchSize < 1 || MaxNewTokens < 1)
            {
                return ValidationResult.Error("-k, --batch-size and --max-new-tokens must be at least 1.");
            }

            if (Temperature < 0 || TopP <= 0 || TopP > 1)
            {
                return ValidationResult.Error("--temperature must be >= 0 and --top-p in (0, 1].");
            }

            return ValidationResult.Success();
        }
    }

    internal sealed record Item(int Index, string Id, string Path, string Prompt);

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CliHost.CancellationToken);
        var token = linked.Token;

        // Before --out is read: one writer per output file.
        using var writer = WorkFolderLock.ForFile(settings.Out);
        var items = ReadItems(settings);
        var done = File.Exists(settings.Out) ? JsonLinesAppender.Read(settings.Out).Lines.Select(l => l.TryGetId("image")).ToHashSet(StringComparer.Ordinal) : [];
        var todo = items.Where(i => !done.Contains(i.Id)).ToList();
        AnsiConsole.MarkupLineInterpolated($"{items.Count} image(s), {items.Count - todo.Count} already in {settings.Out}, {todo.Count} to sample.");
        if (todo.Count == 0)
        {
            return 0;
        }

        var options = new LlavaModelOptions
        {
            Device = settings.Device is null ? null : new Device(settings.Device),
            DType = settings.DType is null ? null : TorchFlags.ParseDType(settings.DType),
            ConversationMode = settings.ConvMode is null ? null : ConversationTemplate.Parse(settings.ConvMode),
            VisionTowerDirectory = settings.VisionTower,
        };

        LlavaVisionLanguageModel? model = null;
        AnsiConsole.Status().Start($"Loading {settings.Model}", _ => model = LlavaVisionLanguageModel.Load(settings.Model, options));
        using var loaded = model!;
        AnsiConsole.MarkupLineInterpolated($"Loaded on {loaded.Module.Device.type} ({loaded.Module.DType}), prompt format {ConversationTemplate.Name(loaded.ConversationMode)}.");

        using var recording = new RecordingVisionLanguageModel(loaded, settings.Out);
        if (recording.HadTornLine)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]Dropped a torn last line of {settings.Out}; that image is sampled again.[/]");
        }

        var sampling = new SamplingOptions
        {
            NumSamples = settings.NumSamples,
            Temperature = settings.Temperature,
            TopP = settings.TopP,
            MaxNewTokens = settings.MaxNewTokens,
        };
        var seed = settings.Seed ?? Random.Shared.Next();
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("Sampling", maxValue: todo.Count);
                foreach (var batch in todo.Chunk(settings.BatchSize))
                {
                    token.ThrowIfCancellationRequested();
                    task.Description = $"Sampling {batch[0].Id}{(batch.Length > 1 ? $" (+{batch.Length - 1})" : "")}";

                    // Appended and flushed per batch: a crash loses at most the batch in flight.
                    var requests = batch.Select(i => new SampleRequest(ImageInput.FromFile(i.Path, i.Id), i.Prompt, RejectionSamplingTrainer.DeriveSeed(seed, i.Id, 0))).ToList();
                    await recording.SampleBatchAsync(requests, sampling, token);
                    task.Increment(batch.Length);
                }

                task.Description = "Sampling done";
            });

        AnsiConsole.MarkupLineInterpolated($"Wrote {todo.Count} line(s) to {settings.Out}.");
        return 0;
    }

    internal static List<Item> ReadItems(Settings settings)
    {
        var path = settings.Images;
        if (Directory.Exists(path))
        {
            var prompt = settings.Prompt ?? throw new ArgumentException("--prompt is required with a folder of images.");
            var files = Directory.EnumerateFiles(path)
                .Where(f => ImageExtensions.Contains(System.IO.Path.GetExtension(f).ToLowerInvariant()))
                .Order(StringComparer.Ordinal)
                .ToList();
            if (files.Count == 0)
            {
                throw new FileNotFoundException($"'{path}' holds no images ({string.Join(", ", ImageExtensions)}).");
            }

            return files.Select((f, i) => new Item(i, System.IO.Path.GetFileName(f), f, prompt)).ToList();
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"--images '{path}' is neither a folder nor a file.");
        }

        if (!path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            var prompt = settings.Prompt ?? throw new ArgumentException("--prompt is required with an image file.");
            return [new Item(0, System.IO.Path.GetFileName(path), path, prompt)];
        }

        var baseDir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
        var items = new List<Item>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                var image = root.TryGetProperty("image", out var im) && im.ValueKind == JsonValueKind.String ? im.GetString()! : throw new InvalidDataException("needs an 'image' path");
                var full = System.IO.Path.IsPathRooted(image) ? image : System.IO.Path.Combine(baseDir, image);
                var id = root.TryGetProperty("id", out var idElement) ? (idElement.ValueKind == JsonValueKind.String ? idElement.GetString()! : idElement.GetRawText())
                    : root.TryGetProperty("image_id", out var imageId) ? (imageId.ValueKind == JsonValueKind.String ? imageId.GetString()! : imageId.GetRawText())
                    : System.IO.Path.GetFileName(image);
                var prompt = root.TryGetProperty("prompt", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()!
                    : settings.Prompt ?? throw new InvalidDataException("has no 'prompt' and no --prompt was given");
                if (!ids.Add(id))
                {
                    throw new InvalidDataException($"image id '{id}' appears twice");
                }

                items.Add(new Item(items.Count, id, full, prompt));
            }
            catch (Exception e) when (e is JsonException or InvalidDataException)
            {
                throw new InvalidDataException($"{path}, line {lineNumber}: {e.Message}", e);
            }
        }

        return items;
    }
}
