using System.Text.RegularExpressions;

namespace ViGoR.Evaluation;

/// <summary>
/// Scores POPE answers against POPE labels (Li et al., 2023, "Evaluating Object Hallucination in
/// Large Vision-Language Models"), reading answers as POPE's and LLaVA's <c>eval_pope.py</c> do
/// (<see cref="PopeAnswerNormalizer"/>).
/// </summary>
/// <remarks>
/// <para>Unlike the reference scripts, answers are never paired with labels by position: LLaVA's
/// question ids differ from today's POPE label ids and its random split is an older 2910-question
/// version, so positional pairing silently scores answers against other questions. An answer pairs
/// with a label of its split (from the question file's <c>category</c>, the answer's own
/// <c>category</c>, or the only split loaded) by, in order:
/// the same question id with the same image and question text; the same image and question text
/// (answer-format suffix removed); the same image and object of POPE's question template
/// (<see cref="PopeOptions.PairByTemplateObject"/>). Each label pairs at most once. POPE-format
/// answers with neither image nor id pair with the labels of a single split in line order only
/// while every pair's question text agrees; a disagreement is an error naming both lines.</para>
/// <para>Thread-safe: the evaluator holds only its options.</para>
/// </remarks>
public sealed partial class PopeEvaluator
{
    private readonly PopeOptions _options;

    /// <summary>Creates an evaluator.</summary>
    public PopeEvaluator(PopeOptions? options = null) => _options = options?.Clone() ?? new PopeOptions();

    /// <summary>Reads the files and scores them.</summary>
    /// <param name="labelsPath">A <c>coco_pope_&lt;split&gt;.json</c> file or a folder of them.</param>
    /// <param name="answersPath">The answer file (LLaVA's or POPE's format).</param>
    /// <param name="questionsPath">LLaVA's question file (with <c>category</c>), or null when answers carry image and question.</param>
    /// <param name="cancellationToken">Cancels reading.</param>
    public async Task<PopeReport> EvaluateFilesAsync(string labelsPath, string answersPath, string? questionsPath = null, CancellationToken cancellationToken = default)
    {
        var labels = await PopeFiles.LoadLabelsAsync(labelsPath, cancellationToken: cancellationToken);
        var questions = questionsPath is null ? null : await PopeFiles.LoadQuestionsAsync(questionsPath, cancellationToken);
        var answers = await PopeFiles.LoadAnswersAsync(answersPath, cancellationToken);
        return Evaluate(labels, answers, questions);
    }

    /// <summary>Pairs <paramref name="answers"/> with <paramref name="labelSets"/> and computes the figures.</summary>
    /// <exception cref="InvalidDataException">
    /// An answer contradicts its question (prompt differs from the question file's text), its split
    /// cannot be told, or checked-order pairing finds a different question.
    /// </exception>
    public PopeReport Evaluate(IReadOnlyList<PopeLabelSet> labelSets, IReadOnlyList<PopeAnswer> answers, IReadOnlyList<PopeQuestion>? questions = null)
    {
        ArgumentNullException.ThrowIfNull(labelSets);
        ArgumentNullException.ThrowIfNull(answers);
        var splits = labelSets.ToDictionary(s => s.Split, s => new SplitState(s, this), StringComparer.Ordinal);
        var questionById = questions?.ToDictionary(q => q.QuestionId, StringComparer.Ordinal);
        var unmatched = new List<PopeUnmatchedAnswer>();
        var unassigned = 0;
        var orderPaired = new List<(PopeAnswer Answer, string Split)>();

        foreach (var answer in answers)
        {
            string? image = answer.Image;
            string? question = answer.Question;
            string? category = answer.Category;
            if (answer.QuestionId is { } qid && questionById is not null)
            {
                if (!questionById.TryGetValue(qid, out var q))
                {
                    unassigned++;
                    unmatched.Add(new(answer.Source, answer.Line, null, $"question_id {qid} is not in the question file"));
                    continue;
                }

                if (answer.Question is { } prompt && !string.Equals(prompt, q.Text, StringComparison.Ordinal)
                    && !string.Equals(Normalize(prompt), Normalize(q.Text), StringComparison.Ordinal))
                {
                    throw new InvalidDataException(
                        $"{answer.Source}, line {answer.Line}: question_id {qid} was asked as \"{Escape(prompt)}\" but {q.Source}, line {q.Line} says \"{Escape(q.Text)}\"; the answer and question files do not belong together.");
                }

                image ??= q.Image;
                question ??= q.Text;
                category = q.Category ?? category;
            }

            string split;
            if (category is not null)
            {
                split = category;
            }
            else if (splits.Count == 1)
            {
                split = splits.Keys.Single();
            }
            else
            {
                throw new InvalidDataException(
                    $"{answer.Source}, line {answer.Line}: cannot tell which split the answer belongs to; give the question file (with 'category') or a single label file.");
            }

            if (!splits.TryGetValue(split, out var state))
            {
                unassigned++;
                unmatched.Add(new(answer.Source, answer.Line, split, $"no label file for split '{split}'"));
                continue;
            }

            if (image is null)
            {
                if (answer.QuestionId is not null && question is null)
                {
                    throw new InvalidDataException($"{answer.Source}, line {answer.Line}: the answer has neither image nor question; give the question file so it can be paired.");
                }

                if (question is null)
                {
                    throw new InvalidDataException($"{answer.Source}, line {answer.Line}: the answer has no image, question id or question; answers are never paired by position alone.");
                }

                if (answer.QuestionId is not null && questionById is null)
                {
                    throw new InvalidDataException($"{answer.Source}, line {answer.Line}: the answer has a question id but no image; give the question file so it can be paired by image and question.");
                }

                orderPaired.Add((answer, split));
                continue;
            }

            var reason = state.Pair(answer, answer.QuestionId, image, question);
            if (reason is not null)
            {
                unmatched.Add(new(answer.Source, answer.Line, split, reason));
            }
        }

        if (orderPaired.Count > 0)
        {
            PairByCheckedOrder(orderPaired, splits, unmatched);
        }

        var results = new Dictionary<string, PopeSplitResult>(StringComparer.Ordinal);
        foreach (var set in labelSets)
        {
            results[set.Split] = splits[set.Split].Result(unmatched.Count(u => u.Split == set.Split));
        }

        return new PopeReport
        {
            Splits = results,
            Average = Average(results.Values.ToList()),
            UnassignedAnswers = unassigned,
            UnmatchedDetails = unmatched,
        };
    }

    private void PairByCheckedOrder(List<(PopeAnswer Answer, string Split)> answers, Dictionary<string, SplitState> splits, List<PopeUnmatchedAnswer> unmatched)
    {
        // Answers in POPE's own format carry only the question; they are paired in order, as POPE's
        // script does, but every pair is checked so that a missing or extra line fails loudly.
        foreach (var group in answers.GroupBy(a => a.Split, a => a.Answer))
        {
            var state = splits[group.Key];
            var index = 0;
            foreach (var answer in group)
            {
                if (index >= state.Set.Labels.Count)
                {
                    unmatched.Add(new(answer.Source, answer.Line, group.Key, "more answers than labels"));
                    continue;
                }

                var label = state.Set.Labels[index++];
                if (!string.Equals(Normalize(answer.Question!), Normalize(label.Text), StringComparison.Ordinal))
                {
                    throw new InvalidDataException(
                        $"{answer.Source}, line {answer.Line}: question \"{Escape(answer.Question!)}\" does not match {label.Source}, line {label.Line} (\"{Escape(label.Text)}\"); answers without image or id must follow the label file line for line.");
                }

                state.Record(label, answer, PairRule.CheckedOrder);
            }
        }
    }

    private static PopeSplitResult? Average(List<PopeSplitResult> splits)
    {
        if (splits.Count == 0)
        {
            return null;
        }

        var pairedBy = new PopePairingCounts
        {
            ById = splits.Sum(s => s.PairedBy.ById),
            ByText = splits.Sum(s => s.PairedBy.ByText),
            ByObject = splits.Sum(s => s.PairedBy.ByObject),
            ByCheckedOrder = splits.Sum(s => s.PairedBy.ByCheckedOrder),
        };
        return new PopeSplitResult
        {
            TruePositives = splits.Sum(s => s.TruePositives),
            FalsePositives = splits.Sum(s => s.FalsePositives),
            TrueNegatives = splits.Sum(s => s.TrueNegatives),
            FalseNegatives = splits.Sum(s => s.FalseNegatives),
            Accuracy = splits.Average(s => s.Accuracy),
            Precision = splits.Average(s => s.Precision),
            Recall = splits.Average(s => s.Recall),
            F1 = splits.Average(s => s.F1),
            YesRatio = splits.Average(s => s.YesRatio),
            UnmatchedAnswers = splits.Sum(s => s.UnmatchedAnswers),
            UnansweredLabels = splits.Sum(s => s.UnansweredLabels),
            PairedBy = pairedBy,
        };
    }

    /// <summary>The question as compared with label text: answer-format suffixes removed, trimmed.</summary>
    internal string Normalize(string question)
    {
        var text = question;
        foreach (var suffix in _options.AnswerFormatSuffixes)
        {
            if (suffix.Length > 0 && text.EndsWith(suffix, StringComparison.Ordinal))
            {
                text = text[..^suffix.Length];
            }
        }

        return text.Trim();
    }

    /// <summary>The object of POPE's question template, or null when the question does not follow it.</summary>
    internal static string? TemplateObject(string normalizedQuestion)
    {
        var match = TemplatePattern().Match(normalizedQuestion);
        return match.Success ? match.Groups["object"].Value : null;
    }

    // POPE asks "Is there a/an <object> in the image?"; LLaVA's copy misspells some as "imange".
    [GeneratedRegex(@"^Is there an? (?<object>.+) in the ima?n?ge\?$", RegexOptions.CultureInvariant)]
    private static partial Regex TemplatePattern();

    private static string Escape(string text) => text.Replace("\n", "\\n", StringComparison.Ordinal);

    private enum PairRule
    {
        Id,
        Text,
        Object,
        CheckedOrder,
    }

    private sealed class SplitState
    {
        private readonly PopeEvaluator _owner;
        private readonly Dictionary<string, PopeLabel> _byId = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Image, string Text), PopeLabel> _byText = [];
        private readonly Dictionary<(string Image, string Object), PopeLabel> _byObject = [];
        private readonly Dictionary<PopeLabel, PopeAnswer> _answered = new(ReferenceEqualityComparer.Instance);
        private readonly PopePairingCounts _pairedBy = new();
        private int _tp;
        private int _fp;
        private int _tn;
        private int _fn;

        public SplitState(PopeLabelSet set, PopeEvaluator owner)
        {
            Set = set;
            _owner = owner;
            foreach (var label in set.Labels)
            {
                _byId.TryAdd(label.QuestionId, label);
                var text = owner.Normalize(label.Text);
                _byText.TryAdd((label.Image, text), label);
                if (TemplateObject(text) is { } obj)
                {
                    _byObject.TryAdd((label.Image, obj), label);
                }
            }
        }

        public PopeLabelSet Set { get; }

        /// <summary>Pairs one answer; returns null on success or the reason it did not pair.</summary>
        public string? Pair(PopeAnswer answer, string? questionId, string image, string? question)
        {
            var text = question is null ? null : _owner.Normalize(question);
            PopeLabel? taken = null;
            if (questionId is not null && text is not null && _byId.TryGetValue(questionId, out var byId)
                && byId.Image == image && _owner.Normalize(byId.Text) == text)
            {
                if (!_answered.ContainsKey(byId))
                {
                    Record(byId, answer, PairRule.Id);
                    return null;
                }

                taken = byId;
            }

            if (text is not null && _byText.TryGetValue((image, text), out var byText))
            {
                if (!_answered.ContainsKey(byText))
                {
                    Record(byText, answer, PairRule.Text);
                    return null;
                }

                taken = byText;
            }

            if (_owner._options.PairByTemplateObject && text is not null && TemplateObject(text) is { } obj
                && _byObject.TryGetValue((image, obj), out var byObject))
            {
                if (!_answered.ContainsKey(byObject))
                {
                    Record(byObject, answer, PairRule.Object);
                    return null;
                }

                taken = byObject;
            }

            if (taken is not null)
            {
                var first = _answered[taken];
                return $"its label ({taken.Source}, line {taken.Line}) was already answered by {first.Source}, line {first.Line}";
            }

            return text is null
                ? "the answer has no question text"
                : $"no label for image '{image}' and question \"{text}\"";
        }

        public void Record(PopeLabel label, PopeAnswer answer, PairRule rule)
        {
            _answered.Add(label, answer);
            switch (rule)
            {
                case PairRule.Id: _pairedBy.ById++; break;
                case PairRule.Text: _pairedBy.ByText++; break;
                case PairRule.Object: _pairedBy.ByObject++; break;
                default: _pairedBy.ByCheckedOrder++; break;
            }

            var yes = PopeAnswerNormalizer.IsYes(answer.Text);
            if (yes && label.IsYes)
            {
                _tp++;
            }
            else if (yes)
            {
                _fp++;
            }
            else if (!label.IsYes)
            {
                _tn++;
            }
            else
            {
                _fn++;
            }
        }

        public PopeSplitResult Result(int unmatched) =>
            PopeSplitResult.FromCounts(_tp, _fp, _tn, _fn, unmatched, Set.Labels.Count - _answered.Count, _pairedBy);
    }
}
