/// Taiwan's national ID (身分證字號) and resident certificate numbers (居留證號), with their official checksums.
///
/// Format: one letter for the place of first registration, then nine digits. The letter maps to a two-digit
/// number (A=10 … Z=33, in the official, non-alphabetical order); the check weights are 1,9,8,7,6,5,4,3,2,1,1.
/// Old-style resident numbers use two letters (the second encodes sex), new-style (2021) use a letter followed
/// by 8 or 9 as the second character and follow the national-ID rule.
public enum NationalID {
    static let letterValues: [Character: Int] = [
        "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34, "J": 18, "K": 19, "L": 20,
        "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25, "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30,
        "Y": 31, "Z": 33,
    ]

    public static func isValid(_ raw: String) -> Bool {
        let value = Array(raw.uppercased())
        guard value.count == 10, let first = letterValues[value[0]] else { return false }
        let secondDigit: Int
        if let digit = value[1].wholeNumberValue {
            // National IDs: 1 or 2 (sex); new resident certificates: 8 or 9.
            guard [1, 2, 8, 9].contains(digit) else { return false }
            secondDigit = digit
        } else if let letter = letterValues[value[1]] {
            // Old resident certificates: the second letter counts by its value's last digit.
            guard "ABCD".contains(value[1]) else { return false }
            secondDigit = letter % 10
        } else {
            return false
        }
        var digits = [first / 10, first % 10, secondDigit]
        for character in value[2...] {
            guard let digit = character.wholeNumberValue, character.isASCII else { return false }
            digits.append(digit)
        }
        let weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1]
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return sum % 10 == 0
    }

    /// Shows only the first and last three characters: A12****789.
    public static func masked(_ value: String) -> String {
        guard value.count == 10 else { return String(repeating: "*", count: value.count) }
        return String(value.prefix(3)) + "****" + String(value.suffix(3))
    }

    /// Makes a valid national ID from a letter, a sex digit (1 or 2) and seven serial digits: used for the
    /// generated demo registry, never for real people.
    public static func make(letter: Character, sexDigit: Int, serial: Int) -> String {
        let body = [sexDigit] + String(format7(serial)).compactMap(\.wholeNumberValue)
        let first = letterValues[letter] ?? 10
        let weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1]
        let digits = [first / 10, first % 10] + body
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let check = (10 - sum % 10) % 10
        return String(letter) + body.map(String.init).joined() + String(check)
    }

    private static func format7(_ serial: Int) -> String {
        let text = String(abs(serial) % 10_000_000)
        return String(repeating: "0", count: 7 - text.count) + text
    }
}
