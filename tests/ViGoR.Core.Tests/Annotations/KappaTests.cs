namespace ViGoR.Core.Tests.Annotations;

public sealed class KappaTests
{
    [Fact]
    public void Cohen_matches_the_classic_worked_example()
    {
        // Wikipedia, "Cohen's kappa", simple example: 50 proposals, A and B both yes 20, A yes B no 5,
        // A no B yes 10, both no 15. p_o = 0.7, p_e = 0.5 · 0.6 + 0.5 · 0.4 = 0.5, kappa = 0.4.
        var pairs = Repeat((true, true), 20).Concat(Repeat((true, false), 5)).Concat(Repeat((false, true), 10)).Concat(Repeat((false, false), 15)).ToList();

        var (observed, kappa) = Kappa.Cohen(pairs);

        Assert.Equal(0.7, observed, 12);
        Assert.Equal(0.4, kappa, 12);
    }

    [Fact]
    public void Cohen_matches_a_hand_computed_three_category_case()
    {
        // 4 items: (a,a) (b,b) (a,b) (c,c). p_o = 3/4. First: a 1/2, b 1/4, c 1/4; second: a 1/4, b 1/2, c 1/4.
        // p_e = 1/8 + 1/8 + 1/16 = 5/16; kappa = (3/4 - 5/16) / (11/16) = 7/11.
        var (observed, kappa) = Kappa.Cohen([("a", "a"), ("b", "b"), ("a", "b"), ("c", "c")]);

        Assert.Equal(0.75, observed, 12);
        Assert.Equal(7.0 / 11, kappa, 12);
    }

    [Fact]
    public void Fleiss_matches_the_published_worked_example()
    {
        // Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories;
        // P-bar = 0.378, P-bar_e = 0.213, kappa = 0.210.
        int[][] table =
        [
            [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
        ];

        var (observed, kappa) = Kappa.Fleiss(table);

        Assert.Equal(0.378, observed, 3);
        Assert.Equal(0.210, kappa, 3);
    }

    [Fact]
    public void Fleiss_of_two_raters_with_equal_margins_equals_a_hand_computed_value()
    {
        // 4 items, 2 raters, yes/no: [2,0] [0,2] [1,1] [1,1]. P_i = 1, 1, 0, 0 → P-bar = 1/2;
        // p_yes = 4/8 → P_e = 1/2; kappa = 0.
        var (observed, kappa) = Kappa.Fleiss([[2, 0], [0, 2], [1, 1], [1, 1]]);

        Assert.Equal(0.5, observed, 12);
        Assert.Equal(0, kappa, 12);
    }

    [Fact]
    public void Kappa_is_undefined_when_everyone_always_says_the_same()
    {
        Assert.True(double.IsNaN(Kappa.Cohen([(false, false), (false, false)]).Kappa));
        Assert.True(double.IsNaN(Kappa.Fleiss([[3, 0], [3, 0]]).Kappa));
    }

    [Fact]
    public void Fleiss_refuses_items_with_different_rater_counts()
    {
        var e = Assert.Throws<ArgumentException>(() => Kappa.Fleiss([[2, 1], [1, 1]]));
        Assert.Contains("Item 1 has 2 ratings", e.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<(bool, bool)> Repeat((bool, bool) pair, int count) => Enumerable.Repeat(pair, count);
}
