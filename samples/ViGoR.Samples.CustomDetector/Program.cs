// A researcher's custom detector in the ViGoR pipeline, on recorded LVLM samples: the automatic
// stream asks CaptionMentionDetector (not Grounding DINO) whether each object exists, and the
// pipeline selects, refines and journals as usual.
//   dotnet run --project samples/ViGoR.Samples.CustomDetector [-- WORK_DIR]
using Microsoft.Extensions.DependencyInjection;
using ViGoR;
using ViGoR.Samples.CustomDetector;

var data = Path.Combine(AppContext.BaseDirectory, "data");
var work = args.Length > 0 ? args[0] : "custom-detector-run";

var services = new ServiceCollection();
services.AddViGoR()
    .UseWordNetNounExtractor()
    .UseVisionLanguageModel(RecordedVisionLanguageModel.Load(Path.Combine(data, "samples.jsonl")))
    .UseGroundingDetector(new CaptionMentionDetector(Path.Combine(data, "captions.jsonl")))
    .UseViGoRAutomatic();                                               // ViGoR-AT: the detector stream only
await using var provider = services.BuildServiceProvider();
var trainer = provider.GetRequiredService<RejectionSamplingTrainer>();

var items = TrainingDataset.ReadJsonLines(Path.Combine(data, "samples.jsonl"), imageRoot: null, defaultPrompt: "Describe this image in detail.")
    .Select(item => new TrainingItem(ImageInput.FromId(item.Id), item.Prompt))   // ids only: this detector needs no pixels
    .ToList();
var records = await trainer.GenerateSupervisionAsync(items, Path.Combine(work, "round-0"));

foreach (var record in records)
{
    Console.WriteLine($"{record.ImageId}: chose sample {record.Chosen}, dropped {record.Dropped.Count} sentence(s)");
    foreach (var dropped in record.Dropped)
    {
        Console.WriteLine($"  - \"{dropped.Text}\" (not in the captions: {string.Join(", ", dropped.MissingObjects)})");
    }
}

Console.WriteLine($"Journal: {Path.Combine(work, "round-0", RejectionSamplingTrainer.SupervisionFileName)}");
