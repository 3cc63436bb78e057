// Checks ontology documents against the OWL 2 DL profile with the OWL API (in HermiT.jar).
// Usage: java -cp HermiT.jar:. DLProfile FILE...
// Prints one line per violation ("FILE<TAB>violation<TAB>text") and a final count per file.
import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class DLProfile {
    public static void main(String[] args) throws Exception {
        for (String path : args) {
            OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
            OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(path));
            OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
            for (OWLProfileViolation v : report.getViolations()) {
                System.out.println(path + "\tviolation\t" + v.toString().replace('\n', ' '));
            }
            System.out.println(path + "\tcount\t" + report.getViolations().size());
        }
    }
}
