using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SkiaSharp;
using Spectre.Console;
using Spectre.Console.Cli;

namespace ViGoR.Cli.Commands;

/// <summary>
/// <c>vigor detect</c>: asks Grounding DINO (an ONNX model folder) or ground-truth annotations
/// which phrases an image shows; prints the detections, optionally writes them as JSON and draws them.
/// </summary>
internal sealed class DetectCommand : AsyncCommand<DetectCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <DIR>")]
        [Description("Grounding DINO ONNX model folder (.onnx + tokenizer.json or vocab.txt [[+ preprocessor_config.json]]), or the .onnx file.")]
        public string? Model { get; init; }

        [CommandOption("--annotations <FILE>")]
        [Description("Answer from ground-truth boxes instead: COCO instances JSON or LLaVA caps_boxes JSON Lines.")]
        public string? Annotations { get; init; }

        [CommandOption("--image <PATH>")]
        [Description("The image file. With --annotations it may be an image id or file name that only the annotations know.")]
        public string Image { get; init; } = string.Empty;

        [CommandOption("--phrases <TEXT>")]
        [Description("Phrases separated by '.', e.g. \"cat . remote control\".")]
        public string Phrases { get; init; } = string.Empty;

        [CommandOption("--json <FILE>")]
        [Description("Write the detections as a JSON list of {\"label\", \"query\" (the most probable phrase), \"queries\" (every phrase the box supports), \"score\", \"box\": [[x1, y1, x2, y2]]}.")]
        public string? Json { get; init; }

        [CommandOption("--box-threshold <T>")]
        [Description("Keep boxes scoring above this (default 0.25, the paper's).")]
        public float BoxThreshold { get; init; } = 0.25f;

        [CommandOption("--text-threshold <T>")]
        [Description("Tokens above this make up a label (default 0.25, the paper's).")]
        public float TextThreshold { get; init; } = 0.25f;

        [CommandOption("--draw <FILE>")]
        [Description("Write a PNG of the image with the labelled boxes.")]
        public string? Draw { get; init; }

        [CommandOption("--provider <NAME>")]
        [Description("ONNX Runtime execution provider: cpu (default), cuda or tensorrt. Falls back to the CPU with a warning when its libraries are missing.")]
        public string Provider { get; init; } = "cpu";

        [CommandOption("--model-file <NAME>")]
        [Description("Which .onnx file of the folder to load when it holds several.")]
        public string? ModelFile { get; init; }

        public override ValidationResult Validate()
        {
            if ((Model is null) == (Annotations is null))
            {
                return ValidationResult.Error("Give exactly one of --model DIR or --annotations FILE.");
            }

            if (string.IsNullOrWhiteSpace(Image))
            {
                return ValidationResult.Error("--image PATH is required.");
            }

            if (SplitPhrases(Phrases).Count == 0)
            {
                return ValidationResult.Error("--phrases is required, e.g. --phrases \"cat . dog\".");
            }

            if (BoxThreshold is < 0 or > 1 || TextThreshold is < 0 or > 1)
            {
                return ValidationResult.Error("--box-threshold and --text-threshold must be between 0 and 1.");
            }

            return Provider.ToLowerInvariant() is "cpu" or "cuda" or "tensorrt"
                ? ValidationResult.Success()
                : ValidationResult.Error($"--provider '{Provider}' is not one of cpu, cuda, tensorrt.");
        }
    }

    /// <summary>Splits "cat . remote control ." into phrases.</summary>
    internal static List<string> SplitPhrases(string text) =>
        text.Split('.', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();

    /// <summary>The phrases, in the order given, that no detection supports (none lists them in <see cref="Detection.Queries"/>).</summary>
    internal static List<string> MissingPhrases(IEnumerable<Detection> detections, IEnumerable<string> phrases)
    {
        var found = detections.SelectMany(d => d.Queries).ToHashSet(StringComparer.Ordinal);
        return phrases.Where(p => !found.Contains(p)).ToList();
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CliHost.CancellationToken);
        var token = linked.Token;
        var phrases = SplitPhrases(settings.Phrases);
        var grounding = new GroundingOptions { BoxThreshold = settings.BoxThreshold, TextThreshold = settings.TextThreshold };
        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));

        AnnotationDetectionResult result;
        ImageInput image;
        if (settings.Annotations is { } annotationsPath)
        {
            var detector = AnnotationGroundingDetector.Load(annotationsPath, logger: loggerFactory.CreateLogger<AnnotationGroundingDetector>());
            image = File.Exists(settings.Image) ? ImageInput.FromFile(settings.Image) : ImageInput.FromId(settings.Image);
            result = await detector.DetectWithDetailsAsync(image, phrases, grounding, token);
        }
        else
        {
            image = ImageInput.FromFile(settings.Image);
            using var detector = new GroundingDinoDetector(
                new GroundingDinoOptions
                {
                    ModelPath = settings.Model!,
                    ModelFileName = settings.ModelFile,
                    ExecutionProvider = settings.Provider.ToLowerInvariant() switch
                    {
                        "cuda" => GroundingDinoExecutionProvider.Cuda,
                        "tensorrt" => GroundingDinoExecutionProvider.TensorRT,
                        _ => GroundingDinoExecutionProvider.Cpu,
                    },
                },
                loggerFactory.CreateLogger<GroundingDinoDetector>());
            result = new AnnotationDetectionResult(await detector.DetectAsync(image, phrases, grounding, token), false);
        }

        Print(result, phrases);
        if (settings.Json is { } json)
        {
            WriteJson(result, json);
            AnsiConsole.MarkupLineInterpolated($"Wrote [green]{json}[/].");
        }

        if (settings.Draw is { } draw)
        {
            if (!image.HasPixels)
            {
                throw new ArgumentException($"--draw needs the image file; '{settings.Image}' is not a file.");
            }

            DrawBoxes(image, result, draw);
            AnsiConsole.MarkupLineInterpolated($"Drew [green]{draw}[/].");
        }

        return 0;
    }

    private static void Print(AnnotationDetectionResult result, List<string> phrases)
    {
        var table = new Table().AddColumns("label", "queries", "score", "box (x1, y1, x2, y2)");
        foreach (var d in result.Detections)
        {
            table.AddRow(
                Markup.Escape(d.Label),
                d.Queries.Count == 0 ? "[grey]none[/]" : Markup.Escape(string.Join(", ", d.Queries)),
                d.Score.ToString("0.000", CultureInfo.InvariantCulture),
                string.Join(", ", new[] { d.Box.X1, d.Box.Y1, d.Box.X2, d.Box.Y2 }.Select(v => v.ToString(result.BoxesNormalised ? "0.###" : "0.#", CultureInfo.InvariantCulture))));
        }

        AnsiConsole.Write(table);
        var missing = MissingPhrases(result.Detections, phrases);
        AnsiConsole.MarkupLineInterpolated($"{result.Detections.Count} detection(s); found {phrases.Count - missing.Count} of {phrases.Count} phrase(s). Missing: {(missing.Count > 0 ? string.Join(", ", missing) : "none")}.");
        if (result.BoxesNormalised)
        {
            AnsiConsole.MarkupLine("[yellow]Boxes are normalised (0..1):[/] the annotations store them so and the image size is unknown. Give the image file to get pixels.");
        }
    }

    private static void WriteJson(AnnotationDetectionResult result, string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }

        using var stream = File.Create(path);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartArray();
        foreach (var d in result.Detections)
        {
            writer.WriteStartObject();
            writer.WriteString("label", d.Label);
            if (d.Query is null)
            {
                writer.WriteNull("query");
            }
            else
            {
                writer.WriteString("query", d.Query);
            }

            writer.WriteStartArray("queries");
            foreach (var q in d.Queries)
            {
                writer.WriteStringValue(q);
            }

            writer.WriteEndArray();

            writer.WriteNumber("score", d.Score);
            writer.WriteStartArray("box");
            writer.WriteNumberValue(d.Box.X1);
            writer.WriteNumberValue(d.Box.Y1);
            writer.WriteNumberValue(d.Box.X2);
            writer.WriteNumberValue(d.Box.Y2);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static readonly SKColor[] Palette =
    [
        new(230, 25, 75), new(60, 180, 75), new(0, 130, 200), new(245, 130, 48), new(145, 30, 180),
        new(70, 240, 240), new(240, 50, 230), new(210, 245, 60), new(250, 190, 212), new(0, 128, 128),
    ];

    private static void DrawBoxes(ImageInput image, AnnotationDetectionResult result, string path)
    {
        var pixels = image.Decode();
        var info = new SKImageInfo(pixels.Width, pixels.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var dst = bitmap.GetPixelSpan();
        var src = pixels.Pixels.Span;
        for (int i = 0, j = 0; j < src.Length; i += 4, j += 3)
        {
            dst[i] = src[j];
            dst[i + 1] = src[j + 1];
            dst[i + 2] = src[j + 2];
            dst[i + 3] = 255;
        }

        var scale = result.BoxesNormalised ? (pixels.Width, pixels.Height) : (1, 1);
        var stroke = Math.Max(2f, Math.Max(pixels.Width, pixels.Height) / 300f);
        using (var canvas = new SKCanvas(bitmap))
        using (var font = new SKFont(SKTypeface.Default, Math.Max(12f, stroke * 6)))
        using (var boxPaint = new SKPaint { Style = SKPaintStyle.Stroke, StrokeWidth = stroke, IsAntialias = true })
        using (var fillPaint = new SKPaint { Style = SKPaintStyle.Fill })
        using (var textPaint = new SKPaint { Color = SKColors.White, IsAntialias = true })
        {
            var colours = new Dictionary<string, SKColor>(StringComparer.Ordinal);
            foreach (var d in result.Detections)
            {
                var key = d.Query ?? d.Label;
                if (!colours.TryGetValue(key, out var colour))
                {
                    colours[key] = colour = Palette[colours.Count % Palette.Length];
                }

                var rect = new SKRect(d.Box.X1 * scale.Item1, d.Box.Y1 * scale.Item2, d.Box.X2 * scale.Item1, d.Box.Y2 * scale.Item2);
                boxPaint.Color = colour;
                canvas.DrawRect(rect, boxPaint);
                var caption = string.Create(CultureInfo.InvariantCulture, $"{(d.Label.Length > 0 ? d.Label : "?")} {d.Score:0.00}");
                var width = font.MeasureText(caption);
                var top = Math.Max(0, rect.Top - font.Size - 4);
                fillPaint.Color = colour;
                canvas.DrawRect(new SKRect(rect.Left, top, rect.Left + width + 6, top + font.Size + 4), fillPaint);
                canvas.DrawText(caption, rect.Left + 3, top + font.Size, SKTextAlign.Left, font, textPaint);
            }
        }

        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
        {
            Directory.CreateDirectory(dir);
        }

        using var snapshot = SKImage.FromBitmap(bitmap);
        using var encoded = snapshot.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, encoded.ToArray());
    }
}
