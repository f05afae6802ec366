import Testing

@testable import Identity

@Suite struct RegistrationTests {
    var fresh: Registration { Registration(id: "r", browserHash: "b", expiresAt: 100) }

    @Test func backGoesOneStepAndStopsAtTheStart() {
        var registration = fresh
        let expected: [Registration.Step: Registration.Step] = [
            .school: .identity, .method: .school, .personal: .method, .confirm: .personal, .consent: .confirm,
            .account: .consent, .summary: .account, .identity: .identity, .done: .done,
        ]
        for (step, previous) in expected {
            registration.step = step
            #expect(registration.previous == previous, "\(step)")
        }
    }

    var record: RegistryRecord {
        RegistryRecord(
            nationalID: "A123456789", name: "林小華", school: SchoolKey(code: "193662", level: .elementary), grade: 6,
            classNo: "04", seatNo: 7, academicYear: "114", semester: "1", status: .enrolled)
    }

    @Test func everyStepNeedsItsPredecessorsCompletedAndItsData() {
        var registration = fresh
        #expect(registration.canShow(.school))
        #expect(!registration.canShow(.method))
        registration.level = .elementary
        registration.schoolCode = "193662"
        #expect(!registration.canShow(.method), "the school step must be submitted, not only filled in")
        registration.complete(.school)
        #expect(registration.canShow(.method))
        #expect(!registration.canShow(.personal))
        registration.complete(.method)
        #expect(registration.canShow(.personal))
        registration.record = record
        #expect(!registration.canShow(.confirm))
        registration.complete(.personal)
        #expect(registration.canShow(.confirm))
        #expect(!registration.canShow(.consent))
        registration.complete(.confirm)
        #expect(registration.canShow(.consent))
        #expect(!registration.canShow(.account), "the account step comes only after consent")
        registration.complete(.consent)
        #expect(!registration.canShow(.account), "completing the step is not enough without the recorded consent")
        registration.consent = PersonalDataConsent(textVersion: "v1", at: 5)
        #expect(registration.canShow(.account))
        registration.username = "lin.xiaohua"
        registration.passwordHash = "$argon2id$…"
        #expect(!registration.canShow(.summary))
        registration.complete(.account)
        #expect(registration.canShow(.summary))
        #expect(!registration.canShow(.done))
    }

    @Test func changingAnEarlierStepReopensTheLaterOnes() {
        var registration = fresh
        registration.level = .elementary
        registration.schoolCode = "193662"
        registration.record = record
        for step in [Registration.Step.school, .method, .personal, .confirm, .consent] { registration.complete(step) }
        registration.consent = PersonalDataConsent(textVersion: "v1", at: 5)
        #expect(registration.canShow(.account))
        registration.complete(.school, changedLaterSteps: true)
        #expect(!registration.canShow(.account))
        #expect(!registration.canShow(.confirm))
        #expect(registration.consent == nil)
        #expect(registration.canShow(.method))
    }
}
