import Foundation
import NIOSSL

/// HTTPS served by the node itself, from `tls_certificate_file` and `tls_key_file` (PEM). TLS 1.2 is the oldest
/// version offered, and ALPN names HTTP/1.1, the only protocol the listener speaks. The files are read at start:
/// a renewed certificate takes a restart (one node at a time behind the balancer).
enum ServerTLS {
    /// The listener's TLS configuration, or nil when the configuration names no certificate. A file that cannot
    /// be read or parsed stops the start with a message that names it (never its content).
    static func configuration(_ config: AppConfig) throws -> TLSConfiguration? {
        guard let certificateFile = config.tlsCertificateFile, let keyFile = config.tlsKeyFile else { return nil }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw ConfigError("tls_certificate_file \(certificateFile) is not a readable PEM certificate chain.")
        }
        guard !chain.isEmpty else { throw ConfigError("tls_certificate_file \(certificateFile) holds no certificate.") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw ConfigError("tls_key_file \(keyFile) is not a readable, unencrypted PEM private key.")
        }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        tls.applicationProtocols = ["http/1.1"]
        // Refuse a key that does not belong to the certificate now, not at the first handshake.
        _ = try NIOSSLContext(configuration: tls)
        return tls
    }
}
