using System.Text.RegularExpressions;
using Facilities.Api.Web;
using FluentValidation;
using Facilities.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Facilities.Api.Tests;

/// <summary>
/// Every message the service writes itself has its zh-Hans entry: the validators' messages read from the validators
/// the API registers, and the refusals' titles and details read from the code that throws them.
/// </summary>
public sealed partial class ProblemLanguageCoverageTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    [Fact]
    public void Every_validator_message_of_the_service_has_a_Chinese_entry()
    {
        var untranslated = new SortedSet<string>(StringComparer.Ordinal);
        var validatorTypes = typeof(ProblemLanguage).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false, IsGenericTypeDefinition: false } && typeof(IValidator).IsAssignableFrom(t))
            .ToList();
        Assert.NotEmpty(validatorTypes);
        using var scope = fixture.App.Services.CreateScope();
        foreach (var type in validatorTypes)
        {
            var validator = (IValidator)ActivatorUtilities.CreateInstance(scope.ServiceProvider, type);
            foreach (var rule in validator.CreateDescriptor().Rules)
            {
                foreach (var component in rule.Components)
                {
                    string message;
                    try
                    {
                        message = component.GetUnformattedErrorMessage();
                    }
                    catch (Exception)
                    {
                        // A message made from the value at hand: covered by the table's entries for what makes it.
                        continue;
                    }
                    // FluentValidation's own templates name {PropertyName}; it translates those itself.
                    if (!string.IsNullOrEmpty(message) && !message.Contains("{PropertyName}", StringComparison.Ordinal)
                        && ProblemMessages.ToChinese(message) == message)
                    {
                        untranslated.Add($"{type.Name}: {message}");
                    }
                }
            }
        }
        Assert.True(untranslated.Count == 0, "No zh-Hans entry for:\n" + string.Join("\n", untranslated));
    }

    [Fact]
    public void Every_refusal_title_and_detail_the_handlers_throw_has_a_Chinese_entry()
    {
        var untranslated = new SortedSet<string>(StringComparer.Ordinal);
        var sources = Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "src", "Facilities.Api"), "*.cs", SearchOption.AllDirectories).ToList();
        var refusals = 0;
        foreach (var file in sources)
        {
            var code = File.ReadAllText(file);
            foreach (Match failure in Failure().Matches(code))
            {
                var message = Concatenated(failure.Groups["detail"].Value);
                if (ProblemMessages.ToChinese(message) == message)
                {
                    untranslated.Add($"{Path.GetFileName(file)}: {message}");
                }
            }
            foreach (Match refusal in Refusal().Matches(code))
            {
                refusals++;
                var detail = Concatenated(refusal.Groups["detail"].Value);
                foreach (var message in new[] { refusal.Groups["title"].Value, detail })
                {
                    if (ProblemMessages.ToChinese(message) == message)
                    {
                        untranslated.Add($"{Path.GetFileName(file)}: {message}");
                    }
                }
            }
        }
        Assert.True(refusals > 30, $"only {refusals} refusals found: has the way refusals are thrown changed?");
        Assert.True(untranslated.Count == 0, "No zh-Hans entry for:\n" + string.Join("\n", untranslated));
    }

    private static string Concatenated(string literals) => string.Concat(Piece().Matches(literals).Select(m => Literal(m.Value)));

    /// <summary>A C# string literal's text, each interpolated {hole} standing for a sample value.</summary>
    private static string Literal(string piece)
    {
        var text = piece.Trim();
        var interpolated = text.StartsWith('$');
        text = text.TrimStart('$')[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal);
        return interpolated ? Hole().Replace(text, "x") : text;
    }

    [GeneratedRegex("""DomainException\(StatusCodes\.\w+,\s*"(?<title>[^"]*)",\s*(?<detail>\$?"(?:[^"\\]|\\.)*"(?:\s*\+\s*\$?"(?:[^"\\]|\\.)*")*)""")]
    private static partial Regex Refusal();

    [GeneratedRegex(@"\$?""(?:[^""\\]|\\.)*""")]
    private static partial Regex Piece();

    /// <summary>A validation failure a handler or a validator builds by hand: new ValidationFailure(field, message).</summary>
    [GeneratedRegex("""ValidationFailure\([^,()]+(?:\([^()]*\))?[^,()]*,\s*(?<detail>\$?"(?:[^"\\]|\\.)*"(?:\s*\+\s*\$?"(?:[^"\\]|\\.)*")*)\s*\)""")]
    private static partial Regex Failure();

    [GeneratedRegex(@"\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}")]
    private static partial Regex Hole();
}
