using System.Text.Json;
using BenchmarkDotNet.Attributes;
using ViGoR;
using ViGoR.Nlp;

namespace ViGoR.Benchmarks;

/// <summary>
/// Noun extraction throughput over the real LVLM captions of the Nlp gold set
/// (tests/ViGoR.Nlp.Tests/Fixtures/gold-captions.jsonl). Words per second = <see cref="Words"/> / mean time;
/// the word count is printed at setup. Run: <c>dotnet run -c Release --project benchmarks/ViGoR.Benchmarks -- --filter *Nlp* --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class NlpBenchmarks
{
    private readonly WordNetNounExtractor _extractor = new();
    private string[] _captions = [];

    /// <summary>White-space separated words in all captions.</summary>
    public int Words { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        _captions = File.ReadLines(FindFixture())
            .Select(line =>
            {
                using var doc = JsonDocument.Parse(line);
                return doc.RootElement.GetProperty("text").GetString()!;
            })
            .ToArray();
        Words = _captions.Sum(c => c.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length);
        _extractor.Extract(_captions[0]); // load the lexicon outside the measurement
        Console.WriteLine($"// NlpBenchmarks: {_captions.Length} captions, {Words} words");
    }

    /// <summary>Sentences, nouns, lemmas, kinds, counts and flags of every caption, one thread.</summary>
    [Benchmark(Baseline = true)]
    public int ExtractAll()
    {
        var mentions = 0;
        foreach (var caption in _captions)
        {
            mentions += _extractor.Extract(caption).Sentences.Sum(s => s.Nouns.Count);
        }

        return mentions;
    }

    /// <summary>Sentence splitting alone.</summary>
    [Benchmark]
    public int SplitSentences()
    {
        var sentences = 0;
        foreach (var caption in _captions)
        {
            sentences += SentenceSplitter.Split(caption).Count;
        }

        return sentences;
    }

    /// <summary>Extraction of k = 5 texts and the detector query plan over them, as the pipeline does per image.</summary>
    [Benchmark]
    public int PlanQueriesForFiveSamples()
    {
        var queries = 0;
        for (var i = 0; i + 5 <= _captions.Length; i += 5)
        {
            var parsed = new ParsedText[5];
            for (var k = 0; k < 5; k++)
            {
                parsed[k] = _extractor.Extract(_captions[i + k]);
            }

            queries += DetectorQueryPlanner.Plan(parsed).Count;
        }

        return queries;
    }

    private static string FindFixture()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var path = Path.Combine(dir.FullName, "tests", "ViGoR.Nlp.Tests", "Fixtures", "gold-captions.jsonl");
                if (File.Exists(path))
                {
                    return path;
                }
            }
        }

        throw new FileNotFoundException($"Run the benchmarks from inside the repository: tests/ViGoR.Nlp.Tests/Fixtures/gold-captions.jsonl was not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}.");
    }
}
