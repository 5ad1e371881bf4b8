using BenchmarkDotNet.Attributes;
using SkiaSharp;

namespace ViGoR.Benchmarks;

/// <summary>
/// Grounding DINO's pre- and post-processing, which must stay well under the model's own run time
/// (Swin-T Grounding DINO: hundreds of milliseconds per image on a CPU). The tiny generated test
/// model's end-to-end call is measured for scale: it is almost all pre/post-processing and runtime
/// overhead, since its graph does next to no arithmetic.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MaxColumn]
public class DetectionBenchmarks : IDisposable
{
    private byte[] _jpeg = [];
    private float[] _logits = [];
    private float[] _boxes = [];
    private long[] _inputIds = [];
    private PhraseSpan[] _spans = [];
    private GroundingDinoDetector? _tinyModel;
    private ImageInput? _tinyImage;
    private RgbImage? _decoded;

    [GlobalSetup]
    public void Setup()
    {
        // A COCO-sized photo stand-in (640x480, noisy gradients so PNG decoding does real work).
        var random = new Random(1);
        var pixels = new byte[640 * 480 * 3];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(((i / 3) % 640 / 3) + random.Next(0, 40));
        }

        _decoded = new RgbImage("bench.jpg", 640, 480, pixels);
        _jpeg = EncodeJpeg(_decoded);

        // 900 queries x 256 text positions; 12 tokens fed, the rest -inf as real exports pad.
        _inputIds = [101, 4937, 1012, 3899, 1012, 6556, 2491, 1012, 2711, 1012, 1037, 102];
        _spans = [new(0, 1, 2), new(1, 3, 4), new(2, 5, 7), new(3, 8, 9)];
        _logits = new float[900 * 256];
        for (var q = 0; q < 900; q++)
        {
            for (var j = 0; j < 256; j++)
            {
                _logits[(q * 256) + j] = j < _inputIds.Length ? (float)((random.NextDouble() * 8) - 7) : float.NegativeInfinity;
            }
        }

        _boxes = Enumerable.Range(0, 900 * 4).Select(_ => (float)((random.NextDouble() * 0.5) + 0.1)).ToArray();

        var tiny = FindTinyModel();
        if (tiny is not null)
        {
            _tinyModel = new GroundingDinoDetector(new GroundingDinoOptions { ModelPath = tiny });
            _tinyImage = ImageInput.FromPixels(_decoded);
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _tinyModel?.Dispose();
        _tinyModel = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>Decode a 640x480 JPEG (COCO's format and size), resize to 1066x800 (shortest edge 800, PIL bilinear), rescale and normalise.</summary>
    [Benchmark]
    public int Preprocess_Decode_Resize_Normalise_640x480_to_800()
    {
        var image = RgbImage.Decode(_jpeg, "bench.jpg");
        return GroundingDinoImageProcessor.Default.Process(image).Pixels.Length;
    }

    /// <summary>Resize and normalise only (pixels already decoded).</summary>
    [Benchmark]
    public int Preprocess_Resize_Normalise_640x480_to_800() =>
        GroundingDinoImageProcessor.Default.Process(_decoded!).Pixels.Length;

    /// <summary>post_process_grounded_object_detection on 900x256 logits with the paper's thresholds.</summary>
    [Benchmark]
    public int Postprocess_900x256() =>
        GroundingDinoPostProcessor.Process(_logits, _boxes, 256, _inputIds, _spans, 0.25f, 0.25f, 640, 480).Count;

    /// <summary>The whole call on the tiny generated model (HF signature, 640x480 image resized to 1066x800).</summary>
    [Benchmark]
    public async Task<int> TinyModel_DetectAsync()
    {
        if (_tinyModel is null || _tinyImage is null)
        {
            throw new InvalidOperationException("Tiny model not found: set VIGOR_TINY_GROUNDING_DINO to tests/ViGoR.Detection.Onnx.Tests/Fixtures/hf (or run from the repository root).");
        }

        return (await _tinyModel.DetectAsync(_tinyImage, ["cat", "dog", "remote control", "person"])).Count;
    }

    /// <summary>
    /// 8 images, each with its own 3-5 phrases, one call each on the tiny model: with the next benchmark,
    /// what the batched path costs or saves in the adapter (pre/post-processing, tensor packing, runtime
    /// calls). The tiny graph does next to no arithmetic, so this is not the model's batching gain.
    /// </summary>
    [Benchmark]
    public async Task<int> TinyModel_8Images_OneCallEach()
    {
        var (model, queries) = EightQueries();
        var found = 0;
        foreach (var query in queries)
        {
            found += (await model.DetectAsync(query.Image, query.Phrases)).Count;
        }

        return found;
    }

    /// <summary>The same 8 images and phrases as one <see cref="GroundingDinoDetector.DetectBatchAsync(IReadOnlyList{GroundingQuery}, GroundingOptions?, CancellationToken)"/> call (MaxBatchSize 4: two model calls).</summary>
    [Benchmark]
    public async Task<int> TinyModel_8Images_Batched()
    {
        var (model, queries) = EightQueries();
        return (await model.DetectBatchAsync(queries)).Sum(d => d.Count);
    }

    private (GroundingDinoDetector Model, GroundingQuery[] Queries) EightQueries()
    {
        if (_tinyModel is null || _tinyImage is null)
        {
            throw new InvalidOperationException("Tiny model not found: set VIGOR_TINY_GROUNDING_DINO to tests/ViGoR.Detection.Onnx.Tests/Fixtures/hf (or run from the repository root).");
        }

        string[][] phrases = [["cat", "dog", "person"], ["remote control", "cat", "bench", "dog"], ["person", "car", "bus", "dog", "cat"], ["dog", "cat", "two cats"]];
        return (_tinyModel, Enumerable.Range(0, 8).Select(i => new GroundingQuery(_tinyImage, phrases[i % phrases.Length])).ToArray());
    }

    private static byte[] EncodeJpeg(RgbImage image)
    {
        using var bitmap = SKBitmap.Decode(image.EncodePng());
        using var encoded = bitmap.Encode(SKEncodedImageFormat.Jpeg, 90);
        return encoded.ToArray();
    }

    private static string? FindTinyModel()
    {
        if (Environment.GetEnvironmentVariable("VIGOR_TINY_GROUNDING_DINO") is { Length: > 0 } configured)
        {
            return configured;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "ViGoR.Detection.Onnx.Tests", "Fixtures", "hf");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        var fromCwd = Path.Combine(Directory.GetCurrentDirectory(), "tests", "ViGoR.Detection.Onnx.Tests", "Fixtures", "hf");
        return Directory.Exists(fromCwd) ? fromCwd : null;
    }
}
