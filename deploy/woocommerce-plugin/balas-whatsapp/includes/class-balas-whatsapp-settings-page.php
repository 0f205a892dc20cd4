<?php
/**
 * The settings page (Settings API) and the connect call it makes when the connection changes.
 *
 * @package Balas_WhatsApp
 */

defined( 'ABSPATH' ) || exit;

/**
 * Under WooCommerce for shop managers when WooCommerce is active, else under Settings.
 */
final class Balas_WhatsApp_Settings_Page {

	const SLUG           = 'balas-whatsapp';
	const CONNECT_ACTION = 'balas_whatsapp_connect';

	/**
	 * The settings.
	 *
	 * @var Balas_WhatsApp_Options
	 */
	private $options;

	/**
	 * The Balas connect client.
	 *
	 * @var Balas_WhatsApp_Connect
	 */
	private $client;

	/**
	 * Builds the page.
	 *
	 * @param Balas_WhatsApp_Options $options The settings.
	 * @param Balas_WhatsApp_Connect $client  The Balas connect client.
	 */
	public function __construct( Balas_WhatsApp_Options $options, Balas_WhatsApp_Connect $client ) {
		$this->options = $options;
		$this->client  = $client;
	}

	/**
	 * Hooks the page into the admin.
	 */
	public function register(): void {
		add_action( 'admin_menu', array( $this, 'add_page' ) );
		add_action( 'admin_init', array( $this, 'register_settings' ) );
		// options.php asks for manage_options unless told otherwise; shop managers lack it.
		add_filter( 'option_page_capability_' . Balas_WhatsApp_Options::GROUP, array( $this, 'capability' ) );
		add_action( 'add_option_' . Balas_WhatsApp_Options::NAME, array( $this, 'on_added' ), 10, 2 );
		add_action( 'update_option_' . Balas_WhatsApp_Options::NAME, array( $this, 'on_updated' ), 10, 2 );
		add_action( 'admin_post_' . self::CONNECT_ACTION, array( $this, 'connect_now' ) );
		add_filter( 'plugin_action_links_' . plugin_basename( BALAS_WHATSAPP_FILE ), array( $this, 'action_links' ) );
	}

	/**
	 * Who may see and save the settings.
	 */
	public function capability(): string {
		return class_exists( 'WooCommerce' ) ? 'manage_woocommerce' : 'manage_options';
	}

	/**
	 * The admin_menu hook.
	 */
	public function add_page(): void {
		$title = __( 'Balas WhatsApp', 'balas-whatsapp' );
		add_submenu_page( $this->parent(), $title, $title, $this->capability(), self::SLUG, array( $this, 'render' ) );
	}

	/**
	 * The admin_init hook: the option, its sections and fields.
	 */
	public function register_settings(): void {
		register_setting(
			Balas_WhatsApp_Options::GROUP,
			Balas_WhatsApp_Options::NAME,
			array(
				'type'              => 'array',
				'sanitize_callback' => array( $this->options, 'sanitize' ),
				'show_in_rest'      => false,
			)
		);
		add_settings_section( 'button', __( 'WhatsApp button', 'balas-whatsapp' ), null, self::SLUG );
		add_settings_section( 'connection', __( 'Balas connection', 'balas-whatsapp' ), array( $this, 'connection_intro' ), self::SLUG );
		foreach ( $this->fields() as $key => $field ) {
			$field['key']       = $key;
			$field['label_for'] = 'balas_whatsapp_' . $key;
			add_settings_field( $field['label_for'], $field['title'], array( $this, 'render_field' ), self::SLUG, $field['section'], $field );
		}
	}

	/**
	 * The connection section's introduction.
	 */
	public function connection_intro(): void {
		echo '<p>' . esc_html__( 'Optional. With all three filled in, saving a change to them tells Balas the address of this site, so Balas can link the store to it.', 'balas-whatsapp' ) . '</p>';
	}

	/**
	 * One field of the form.
	 *
	 * @param array $args The field, as fields() describes it.
	 */
	public function render_field( array $args ): void {
		$settings  = $this->options->get();
		$id        = $args['label_for'];
		$name      = Balas_WhatsApp_Options::NAME . '[' . $args['key'] . ']';
		$described = $id . '-description';
		$value     = $settings[ $args['key'] ];
		switch ( $args['type'] ) {
			case 'checkbox':
				printf( '<input type="checkbox" id="%1$s" name="%2$s" value="1" aria-describedby="%3$s"%4$s>', esc_attr( $id ), esc_attr( $name ), esc_attr( $described ), checked( (bool) $value, true, false ) );
				break;
			case 'select':
				printf( '<select id="%1$s" name="%2$s" aria-describedby="%3$s">', esc_attr( $id ), esc_attr( $name ), esc_attr( $described ) );
				foreach ( $args['choices'] as $choice => $text ) {
					printf( '<option value="%1$s"%2$s>%3$s</option>', esc_attr( $choice ), selected( $value, $choice, false ), esc_html( $text ) );
				}
				echo '</select>';
				break;
			case 'password':
				// The saved token never goes back to the browser: the field is always empty.
				printf( '<input type="password" class="regular-text" id="%1$s" name="%2$s" value="" autocomplete="new-password" aria-describedby="%3$s">', esc_attr( $id ), esc_attr( $name ), esc_attr( $described ) );
				if ( '' !== $value ) {
					printf(
						'<p><strong>%1$s</strong> <label><input type="checkbox" name="%2$s" value="1"> %3$s</label></p>',
						esc_html__( 'A token is saved; leave the field blank to keep it.', 'balas-whatsapp' ),
						esc_attr( Balas_WhatsApp_Options::NAME . '[clear_token]' ),
						esc_html__( 'Remove the saved token', 'balas-whatsapp' )
					);
				}
				break;
			default:
				printf( '<input type="%1$s" class="regular-text" id="%2$s" name="%3$s" value="%4$s" aria-describedby="%5$s">', esc_attr( $args['type'] ), esc_attr( $id ), esc_attr( $name ), esc_attr( $value ), esc_attr( $described ) );
		}
		printf( '<p class="description" id="%1$s">%2$s</p>', esc_attr( $described ), esc_html( $args['description'] ) );
	}

	/**
	 * The page.
	 */
	public function render(): void {
		global $parent_file;
		?>
		<div class="wrap">
			<h1><?php echo esc_html( get_admin_page_title() ); ?></h1>
			<?php
			// Pages under Settings get their notices from options-head.php; others print them here.
			if ( 'options-general.php' !== $parent_file ) {
				settings_errors();
			}
			?>
			<form action="options.php" method="post">
				<?php
				settings_fields( Balas_WhatsApp_Options::GROUP );
				do_settings_sections( self::SLUG );
				submit_button();
				?>
			</form>
			<?php if ( Balas_WhatsApp_Api::configured( $this->options->get() ) ) : ?>
				<form action="<?php echo esc_url( admin_url( 'admin-post.php' ) ); ?>" method="post">
					<input type="hidden" name="action" value="<?php echo esc_attr( self::CONNECT_ACTION ); ?>">
					<?php
					wp_nonce_field( self::CONNECT_ACTION );
					submit_button( __( 'Connect to Balas again', 'balas-whatsapp' ), 'secondary', 'submit', false );
					?>
				</form>
			<?php endif; ?>
		</div>
		<?php
	}

	/**
	 * The add_option hook: the first save.
	 *
	 * @param string $option The option's name.
	 * @param mixed  $value  The saved settings.
	 */
	public function on_added( $option, $value ): void {
		$this->connect_if_changed( array(), $value );
	}

	/**
	 * The update_option hook: every later save that changed something.
	 *
	 * @param mixed $old   The settings before.
	 * @param mixed $value The saved settings.
	 */
	public function on_updated( $old, $value ): void {
		$this->connect_if_changed( is_array( $old ) ? $old : array(), $value );
	}

	/**
	 * The "Connect to Balas again" button (admin-post.php), for retrying without a change.
	 */
	public function connect_now(): void {
		check_admin_referer( self::CONNECT_ACTION );
		if ( ! current_user_can( $this->capability() ) ) {
			wp_die( esc_html__( 'Sorry, you are not allowed to manage these settings.', 'balas-whatsapp' ), 403 );
		}
		$settings = $this->options->get();
		if ( Balas_WhatsApp_Api::configured( $settings ) ) {
			$this->report( $this->client->connect( $settings ), false );
		} else {
			add_settings_error( Balas_WhatsApp_Options::NAME, 'balas_whatsapp_connect', __( 'Fill in the Balas URL, store id and token first.', 'balas-whatsapp' ) );
		}
		// The notice reaches the page the way options.php sends its own.
		set_transient( 'settings_errors', get_settings_errors(), 30 );
		wp_safe_redirect( add_query_arg( 'settings-updated', 'true', $this->page_url() ) );
		exit;
	}

	/**
	 * A "Settings" link next to the plugin on the Plugins screen.
	 *
	 * @param array $links The plugin's links.
	 */
	public function action_links( array $links ): array {
		array_unshift( $links, sprintf( '<a href="%1$s">%2$s</a>', esc_url( $this->page_url() ), esc_html__( 'Settings', 'balas-whatsapp' ) ) );
		return $links;
	}

	/**
	 * Calls Balas when the saved connection is complete and differs from the one before.
	 * Runs after the option is written, so whatever Balas answers the settings stay saved.
	 *
	 * @param array $old   The settings before.
	 * @param mixed $value The saved settings.
	 */
	private function connect_if_changed( array $old, $value ): void {
		$settings = array_merge( Balas_WhatsApp_Options::defaults(), is_array( $value ) ? $value : array() );
		if ( ! Balas_WhatsApp_Api::configured( $settings ) ) {
			return;
		}
		foreach ( array( 'balas_url', 'store_id', 'token' ) as $key ) {
			if ( ( $old[ $key ] ?? '' ) !== $settings[ $key ] ) {
				$this->report( $this->client->connect( $settings ), true );
				return;
			}
		}
	}

	/**
	 * The outcome of a connect call as a notice on the settings page.
	 *
	 * @param array $result     The client's result.
	 * @param bool  $after_save Whether the call followed a save (the notice then says it was saved,
	 *                          since options.php adds its own "Settings saved." only when no other notice exists).
	 */
	private function report( array $result, bool $after_save ): void {
		/* translators: %s: the outcome of connecting to Balas. */
		$message = $after_save ? sprintf( __( 'Settings saved. %s', 'balas-whatsapp' ), $result['message'] ) : $result['message'];
		add_settings_error( Balas_WhatsApp_Options::NAME, 'balas_whatsapp_connect', $message, $result['ok'] ? 'success' : 'error' );
	}

	/**
	 * The menu the page sits in.
	 */
	private function parent(): string {
		return class_exists( 'WooCommerce' ) ? 'woocommerce' : 'options-general.php';
	}

	/**
	 * The page's address.
	 */
	private function page_url(): string {
		return add_query_arg( 'page', self::SLUG, admin_url( 'woocommerce' === $this->parent() ? 'admin.php' : 'options-general.php' ) );
	}

	/**
	 * The form's fields, in order.
	 */
	private function fields(): array {
		return array(
			'enabled'         => array(
				'section'     => 'button',
				'type'        => 'checkbox',
				'title'       => __( 'Show the button', 'balas-whatsapp' ),
				'description' => __( 'Show the WhatsApp button on every storefront page.', 'balas-whatsapp' ),
			),
			'whatsapp_number' => array(
				'section'     => 'button',
				'type'        => 'tel',
				'title'       => __( 'WhatsApp number', 'balas-whatsapp' ),
				'description' => __( "The store's WhatsApp number in international form, such as +6281234567890. Without a number no button is shown.", 'balas-whatsapp' ),
			),
			'message'         => array(
				'section'     => 'button',
				'type'        => 'text',
				'title'       => __( 'Message', 'balas-whatsapp' ),
				'description' => __( 'The text waiting in the chat when a customer taps the button.', 'balas-whatsapp' ),
			),
			'product_message' => array(
				'section'     => 'button',
				'type'        => 'text',
				'title'       => __( 'Product page message', 'balas-whatsapp' ),
				'description' => __( 'Used on product pages instead: {product} becomes the product name and {url} its address. Leave it blank to use the message above.', 'balas-whatsapp' ),
			),
			'label'           => array(
				'section'     => 'button',
				'type'        => 'text',
				'title'       => __( 'Button label', 'balas-whatsapp' ),
				'description' => __( 'The text on the button.', 'balas-whatsapp' ),
			),
			'position'        => array(
				'section'     => 'button',
				'type'        => 'select',
				'title'       => __( 'Position', 'balas-whatsapp' ),
				'description' => __( 'Which corner of the screen the button sits in.', 'balas-whatsapp' ),
				'choices'     => array(
					'bottom-right' => __( 'Bottom right', 'balas-whatsapp' ),
					'bottom-left'  => __( 'Bottom left', 'balas-whatsapp' ),
				),
			),
			'balas_url'       => array(
				'section'     => 'connection',
				'type'        => 'url',
				'title'       => __( 'Balas URL', 'balas-whatsapp' ),
				'description' => __( "Your Balas console's address, such as https://balas.example.com.", 'balas-whatsapp' ),
			),
			'store_id'        => array(
				'section'     => 'connection',
				'type'        => 'text',
				'title'       => __( 'Store id', 'balas-whatsapp' ),
				'description' => __( "This store's id in Balas, such as toko-budi.", 'balas-whatsapp' ),
			),
			'token'           => array(
				'section'     => 'connection',
				'type'        => 'password',
				'title'       => __( 'Token', 'balas-whatsapp' ),
				'description' => __( 'The token Balas gave you for this store. It is stored in this site\'s database and sent only to the Balas URL.', 'balas-whatsapp' ),
			),
		);
	}
}
