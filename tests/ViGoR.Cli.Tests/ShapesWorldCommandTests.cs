using ViGoR.ShapesWorld;

namespace ViGoR.Cli.Tests;

public sealed class ShapesWorldCommandTests
{
    private static readonly List<Scene> Scenes = Enumerable.Range(0, 12).Select(i => ShapesWorldGenerator.Generate(seed: 3, i)).ToList();

    [Fact]
    public async Task The_shapesworld_verb_writes_a_split_the_ordinary_verbs_read()
    {
        var folder = Directory.CreateTempSubdirectory("vigor-shapes-").FullName;
        try
        {
            Assert.Equal(0, await VigorApp.Create().RunAsync(["shapesworld", "--out", folder, "--count", "12", "--seed", "3"]));

            Assert.Equal(12, Directory.GetFiles(Path.Combine(folder, "images"), "*.png").Length);
            Assert.Equal(Scenes[5].Image.Pixels.ToArray(), RgbImage.Load(Path.Combine(folder, "images", Scenes[5].FileName)).Pixels.ToArray());
            var labels = await ViGoR.Evaluation.PopeFiles.LoadLabelsAsync(folder);
            Assert.Equal(["adversarial", "popular", "random"], labels.Select(l => l.Split).Order());

            // The reference captions, run through the method against the boxes, lose no sentence.
            var work = Path.Combine(folder, "run");
            Assert.Equal(0, await VigorApp.Create().RunAsync(["run", "--samples", Path.Combine(folder, "captions.jsonl"), "--annotations", Path.Combine(folder, "instances.json"), "-k", "1", "--work", work]));
            var records = SupervisionJournal.Read(Path.Combine(work, "round-0", "supervision.jsonl"));
            Assert.Equal(12, records.Count);
            Assert.All(records, r => Assert.Empty(r.Dropped));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
