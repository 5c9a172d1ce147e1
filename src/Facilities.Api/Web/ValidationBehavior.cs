using FluentValidation;
using Mediator;

namespace Facilities.Api.Web;

/// <summary>
/// Runs every FluentValidation validator registered for a request before its handler. A failure throws
/// <see cref="ValidationException"/>, which <see cref="ProblemExceptionHandler"/> turns into a 400 problem+json
/// naming each bad parameter. Handlers can therefore trust their input.
/// </summary>
public sealed class ValidationBehavior<TMessage, TResponse>(IEnumerable<IValidator<TMessage>> validators)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    private readonly IValidator<TMessage>[] _validators = validators.ToArray();

    public async ValueTask<TResponse> Handle(
        TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        foreach (var validator in _validators)
        {
            var result = await validator.ValidateAsync(message, cancellationToken);
            if (!result.IsValid)
            {
                throw new ValidationException(result.Errors);
            }
        }
        return await next(message, cancellationToken);
    }
}
