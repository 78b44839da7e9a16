// The same sheets, in the same order, as index.css (this file is the styleModule JupyterLab loads).
import './panel.css';
import './catalog.css';
import './resources.css';
import './errors-and-eula.css';
import './playground.css';
import './compare.css';
import './model-card-actions.css';
import './finetune.css';
import './costguard.css';
import './evaluate.css';
import './storage.css';
