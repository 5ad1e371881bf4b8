using BenchmarkDotNet.Attributes;
using ViGoR.Evaluation;

namespace ViGoR.Benchmarks;

/// <summary>
/// Evaluator throughput on synthetic data the size of the real benchmarks: POPE pairing and scoring of
/// 3 x 3000 answers, and CHAIR extraction of LLaVA-length detailed captions.
/// </summary>
[MemoryDiagnoser]
public class EvaluationBenchmarks
{
    private static readonly string[] Objects = ["dog", "cat", "car", "person", "chair", "dining table", "teddy bear", "bus", "cell phone", "umbrella"];
    private List<PopeLabelSet> _labels = [];
    private List<PopeAnswer> _answers = [];
    private List<PopeQuestion> _questions = [];
    private List<ChairCaption> _captions = [];
    private ChairGroundTruth _truth = new();
    private ChairEvaluator _chair = new();

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(0);
        var id = 0;
        foreach (var split in new[] { "random", "popular", "adversarial" })
        {
            var labels = new List<PopeLabel>();
            for (var i = 0; i < 3000; i++)
            {
                var image = $"COCO_val2014_{i / 6:D12}.jpg";
                var text = $"Is there a {Objects[i % Objects.Length]}{i % 6} in the image?";
                labels.Add(new PopeLabel($"{i + 1}", image, text, i % 2 == 0, split, i + 1));
                var qid = $"{++id}";
                _questions.Add(new PopeQuestion(qid, image, text + PopeOptions.LlavaAnswerFormatSuffix, split, "questions", id));
                _answers.Add(new PopeAnswer(qid, null, text + PopeOptions.LlavaAnswerFormatSuffix, null, random.Next(2) == 0 ? "Yes" : "No, there is not.", "answers", id));
            }

            _labels.Add(new PopeLabelSet(split, labels));
        }

        const string sentence = "The image shows a man and two women sitting at a dining table with plates of food, cups and a teddy bear, while a dog lies under the chairs near the window. ";
        for (var i = 0; i < 500; i++)
        {
            _captions.Add(new ChairCaption($"{i}", string.Concat(Enumerable.Repeat(sentence, 6))));
            _truth.Add($"{i}", ["person", "dining table", "dog"]);
        }

        _chair = new ChairEvaluator();
    }

    [Benchmark(Description = "POPE: pair and score 9000 answers")]
    public PopeReport Pope() => new PopeEvaluator().Evaluate(_labels, _answers, _questions);

    [Benchmark(Description = "CHAIR: 500 captions of ~180 words")]
    public ChairReport Chair() => _chair.Evaluate(_captions, _truth, includeDetails: false);
}
