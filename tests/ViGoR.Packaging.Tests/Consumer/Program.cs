// A consumer of the packed ViGoR packages: composes the trainer through DI the way the README
// shows, with recorded samples and ground-truth boxes, prints what it decided, and scores the
// refined description with CHAIR from the evaluation package.
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ViGoR;
using ViGoR.Annotation.Web;
using ViGoR.Evaluation;

var folder = args[0];
var services = new ServiceCollection();
services.AddViGoR(o => o.RewardSources = RewardSources.Automatic)
    .UseWordNetNounExtractor()
    .UseAnnotationGroundingDetector(Path.Combine(folder, "boxes.jsonl"))
    .UseVisionLanguageModel(RecordedVisionLanguageModel.Load(Path.Combine(folder, "samples.jsonl")));
using var provider = services.BuildServiceProvider();
var trainer = provider.GetRequiredService<RejectionSamplingTrainer>();

var items = new[] { new TrainingItem(ImageInput.FromId("000000081552.jpg"), "Describe the image.") };
var records = await trainer.GenerateSupervisionAsync(items, Path.Combine(folder, "run"));
Console.WriteLine($"status={records[0].Status} chosen={records[0].Chosen} target={records[0].Target}");
Console.WriteLine($"torch-targets={typeof(ViGoR.Torch.LlavaVisionLanguageModel).Assembly.GetName().Name}");

var truth = new ChairGroundTruth();
await truth.LoadCapsBoxesAsync(Path.Combine(folder, "boxes.jsonl"));
var chair = new ChairEvaluator().Evaluate([new ChairCaption(items[0].Id, records[0].Target ?? string.Empty)], truth);
Console.WriteLine($"chair-captions={chair.Captions} chair-i={chair.ChairI:F3}");

// The annotation tool, hosted by the consumer's own web app on a free loopback port.
using var tool = AnnotationTool.Open(new AnnotationToolOptions
{
    Items = AnnotationWorkItems.ReadSamples(Path.Combine(folder, "samples.jsonl")),
    ImagesDirectory = folder,
    OutputPath = Path.Combine(folder, "labels.jsonl"),
    Annotator = "consumer",
}, NullLogger.Instance);
var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseUrls("http://127.0.0.1:0");
await using var app = builder.Build();
app.MapAnnotationTool(tool);
await app.StartAsync();
using var http = new HttpClient();
Console.WriteLine($"annotate-session={await http.GetStringAsync(app.Urls.First() + "/api/session")}");
await app.StopAsync();
