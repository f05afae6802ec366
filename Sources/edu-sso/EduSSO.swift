import ArgumentParser

/// `edu-sso`: run and operate the EduSSO identity provider.
@main
struct EduSSO: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edu-sso",
        abstract: "EduSSO — the education system's OpenID Connect identity provider.",
        subcommands: [Serve.self, Migrate.self, ClientCommand.self, AccountCommand.self, RegistryCommand.self, DirectoryCommand.self, KeysCommand.self, SpeedCommand.self, MessagesCommand.self, AdminCommand.self, TicketsCommand.self],
        defaultSubcommand: nil)
}
