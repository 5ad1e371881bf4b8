using System.Reflection;
using System.Runtime.CompilerServices;

namespace ViGoR.Core.Tests.Pipeline;

public class RejectionSamplingOptionsTests
{
    /// <summary>A value of <paramref name="type"/> that differs from <paramref name="current"/> (a new instance for a class).</summary>
    private static object Other(Type type, object? current)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(bool))
        {
            return !(bool)current!;
        }

        if (underlying == typeof(string))
        {
            return (string?)current + "-other";
        }

        if (underlying.IsPrimitive || underlying == typeof(decimal))
        {
            // int, long, double, float...: the current value plus 7, in the property's own type.
            var number = Convert.ToDouble(current ?? 0, System.Globalization.CultureInfo.InvariantCulture) + 7;
            return Convert.ChangeType(number, underlying, System.Globalization.CultureInfo.InvariantCulture);
        }

        if (underlying.IsEnum)
        {
            var values = Enum.GetValues(underlying);
            return values.GetValue((Array.IndexOf(values, current) + 1) % values.Length)!;
        }

        // Any class or record: an instance nobody else holds, so sameness proves the copy.
        return RuntimeHelpers.GetUninitializedObject(underlying);
    }

    [Fact]
    public void CopyTo_copies_every_property()
    {
        var source = new RejectionSamplingOptions();
        var properties = typeof(RejectionSamplingOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).ToList();
        foreach (var property in properties)
        {
            property.SetValue(source, Other(property.PropertyType, property.GetValue(source)));
        }

        var target = new RejectionSamplingOptions();
        source.CopyTo(target);

        // Every value set above differs from a fresh instance's, so a property CopyTo skips keeps a
        // value that differs from the source's: no new property can pass unnoticed.
        var fresh = new RejectionSamplingOptions();
        Assert.All(properties, p => Assert.False(Equals(p.GetValue(source), p.GetValue(fresh)), $"The test gave {p.Name} its default value: teach Other about {p.PropertyType}."));
        Assert.All(properties, p => Assert.True(Equals(p.GetValue(source), p.GetValue(target)), $"CopyTo does not copy {p.Name}"));
    }
}
