using System.ComponentModel;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using ViGoR.Torch;
using ViGoR.Torch.Tokenization;
using static TorchSharp.torch;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor generate</c>: samples k descriptions per image from a LLaVA folder into JSON Lines
/// (<c>{"image", "prompt", "samples"}</c>), appending one line per image so that a rerun skips the
/// images already done (a torn last line from a crash is dropped and redone).
/// </summary>
internal sealed class GenerateCommand : AsyncCommand<GenerateCommand.Settings>
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"];

    // Descriptions stay readable (UTF-8, not \uXXXX) in the output file.
    private static readonly JsonSerializerOptions OutputJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

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
        [Description("Seed; a batch is seeded with S + the input index of its first image, so reruns with the same --batch-size reproduce texts. Default: random.")]
        public long? Seed { get; init; }

        [CommandOption("--batch-size <N>")]
        [Description("Images per forward pass (left-padded batch; default 1).")]
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
        var done = ReadDone(settings.Out);
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

        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(settings.Out));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        await using var output = new StreamWriter(new FileStream(settings.Out, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("Sampling", maxValue: todo.Count);
                foreach (var batch in Batches(todo, settings.BatchSize))
                {
                    token.ThrowIfCancellationRequested();
                    var sampling = new SamplingOptions
                    {
                        NumSamples = settings.NumSamples,
                        Temperature = settings.Temperature,
                        TopP = settings.TopP,
                        MaxNewTokens = settings.MaxNewTokens,
                        Seed = settings.Seed is { } s ? (int)((s + batch[0].Index) & int.MaxValue) : null,
                    };
                    var images = batch.Select(i => ImageInput.FromFile(i.Path, i.Id)).ToList();
                    var progress = new Progress<int>(n => task.Description = $"Sampling {batch[0].Id}{(batch.Count > 1 ? $" (+{batch.Count - 1})" : "")}: token {n}");
                    var samples = await loaded.SampleBatchAsync(images, batch[0].Prompt, sampling, progress, token);
                    for (int i = 0; i < batch.Count; i++)
                    {
                        await output.WriteLineAsync(JsonSerializer.Serialize(new { image = batch[i].Id, prompt = batch[i].Prompt, samples = samples[i] }, OutputJson));
                    }

                    // One flush per batch: a crash loses at most the batch in flight.
                    await output.FlushAsync(token);
                    task.Increment(batch.Count);
                }

                task.Description = "Sampling done";
            });

        AnsiConsole.MarkupLineInterpolated($"Wrote {todo.Count} line(s) to {settings.Out}.");
        return 0;
    }

    /// <summary>Consecutive items with the same prompt, at most <paramref name="size"/> each.</summary>
    private static IEnumerable<List<Item>> Batches(List<Item> items, int size)
    {
        var batch = new List<Item>();
        foreach (var item in items)
        {
            if (batch.Count == size || (batch.Count > 0 && batch[0].Prompt != item.Prompt))
            {
                yield return batch;
                batch = [];
            }

            batch.Add(item);
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
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

    /// <summary>
    /// Image ids already in <paramref name="outPath"/>. A last line that is not valid JSON (a write cut by a
    /// crash) is removed from the file so that the image is sampled again; a bad line elsewhere is an error.
    /// </summary>
    internal static HashSet<string> ReadDone(string outPath)
    {
        var done = new HashSet<string>(StringComparer.Ordinal);
        if (!File.Exists(outPath))
        {
            return done;
        }

        var bytes = File.ReadAllBytes(outPath);
        var text = Encoding.UTF8.GetString(bytes);
        var lines = text.Split('\n');
        long validBytes = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            bool last = i == lines.Length - 1;
            if (line.Trim().Length == 0)
            {
                if (!last)
                {
                    validBytes += Encoding.UTF8.GetByteCount(line) + 1;
                }

                continue;
            }

            try
            {
                using var doc = JsonDocument.Parse(line);
                var image = doc.RootElement.GetProperty("image").GetString() ?? throw new InvalidDataException("'image' is null");
                done.Add(image);
                validBytes += Encoding.UTF8.GetByteCount(line) + (last ? 0 : 1);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or InvalidDataException)
            {
                if (!last && lines.Skip(i + 1).Any(l => l.Trim().Length > 0))
                {
                    throw new InvalidDataException($"{outPath}, line {i + 1}: not a sample record ({e.Message}); fix or remove it to resume.", e);
                }

                AnsiConsole.MarkupLineInterpolated($"[yellow]Dropping a torn last line (line {i + 1}) of {outPath}; that image is sampled again.[/]");
                break;
            }
        }

        if (validBytes < bytes.Length)
        {
            using var f = new FileStream(outPath, FileMode.Open, FileAccess.Write);
            f.SetLength(validBytes);
        }

        // Make sure the next appended record starts on its own line.
        if (validBytes > 0 && bytes[validBytes - 1] != (byte)'\n')
        {
            File.AppendAllText(outPath, "\n");
        }

        return done;
    }
}
