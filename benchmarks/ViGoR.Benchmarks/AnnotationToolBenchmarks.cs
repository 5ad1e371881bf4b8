using System.Net.Http.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Microsoft.Extensions.Logging.Abstractions;
using ViGoR.Annotation.Web;

namespace ViGoR.Benchmarks;

/// <summary>
/// The annotation tool's latency as an annotator feels it, on real Kestrel servers on loopback:
/// one server per annotator (as <c>vigor annotate</c> runs), 1 or 8 annotators working at once.
/// One operation is every annotator doing the thing at the same moment, timed until the last one
/// finishes, so its p95 bounds each annotator's p95 from above. Each operation is measured alone
/// (one invocation per iteration), so the percentiles are of single operations, not of averages.
/// Run: <c>dotnet run -c Release --project benchmarks/ViGoR.Benchmarks -- --filter *AnnotationTool*</c>.
/// </summary>
[Config(typeof(LatencyConfig))]
public class AnnotationToolBenchmarks
{
    private static readonly string[] PagePaths = ["", "app.js", "app.css", "api/session", "api/items/0", "images/a.png"];
    private static readonly string[] Hallucination = ["object_hallucination"];
    private static readonly string[] Lamp = ["lamp"];
    private static readonly (int Start, int End)[] Spans = [(0, 45), (46, 82), (83, 128), (129, 162)];
    private readonly List<AnnotationServer> _servers = [];
    private readonly List<HttpClient> _clients = [];
    private string _folder = string.Empty;
    private int _next;

    /// <summary>Annotators working at once.</summary>
    [Params(1, 8)]
    public int Annotators { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _folder = Directory.CreateTempSubdirectory("vigor-annotate-bench-").FullName;
        var images = Directory.CreateDirectory(Path.Combine(_folder, "images")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(images, "a.png"), new byte[64 * 1024]); // a typical small COCO-sized file's transfer
        const string text = "A red square is in the middle of the picture. A dog sits in the corner next to it. The background is blue and the light is soft. Two cups stand on a wooden table.";
        var items = Enumerable.Range(0, 400).Select(i => new AnnotationWorkItem($"a-{i}", "a.png", "Describe the image.", text)).ToList();
        for (var a = 0; a < Annotators; a++)
        {
            var server = await AnnotationServer.StartAsync(
                new AnnotationToolOptions { Items = items, ImagesDirectory = images, OutputPath = Path.Combine(_folder, $"labels-{a}.jsonl"), Annotator = $"ann{a}" },
                new AnnotationServerOptions { Port = 0 },
                NullLoggerFactory.Instance);
            _servers.Add(server);
            _clients.Add(new HttpClient { BaseAddress = server.Url });
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _clients.ForEach(c => c.Dispose());
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Opening the page: the HTML, script, style, session, one description and its image.</summary>
    [Benchmark]
    public Task PageLoad() => Task.WhenAll(_clients.Select(async client =>
    {
        foreach (var path in PagePaths)
        {
            using var response = await client.GetAsync(path);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
        }
    }));

    /// <summary>Saving one description's labels: validated, appended and flushed to disk before the answer.</summary>
    [Benchmark]
    public Task Save()
    {
        var id = $"a-{Interlocked.Increment(ref _next) % 400}";
        var label = new
        {
            id,
            sentences = Spans.Select(s => new { start = s.Start, end = s.End, errors = s.Start == 46 ? Hallucination : [], creative = false }),
            detail = 4,
            missing = Lamp,
        };
        return Task.WhenAll(_clients.Select(async client =>
        {
            using var response = await client.PostAsJsonAsync("api/labels", label);
            response.EnsureSuccessStatusCode();
        }));
    }

    private sealed class LatencyConfig : ManualConfig
    {
        public LatencyConfig()
        {
            // Outliers are the tail a p95 is about: keep them all.
            AddJob(Job.Default.WithInvocationCount(1).WithUnrollFactor(1).WithWarmupCount(10).WithIterationCount(200).WithLaunchCount(1)
                .WithOutlierMode(Perfolizer.Mathematics.OutlierDetection.OutlierMode.DontRemove));
            AddColumn(StatisticColumn.P50, StatisticColumn.P95, StatisticColumn.Max);
        }
    }
}
